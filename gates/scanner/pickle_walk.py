"""Walk one pickle stream symbolically: a stack and memo of descriptions, never objects.

The walker mirrors the unpickler's data flow closely enough to know, for every global the
stream would import, its module and name (``STACK_GLOBAL`` arguments are resolved through
the memo), and to notice the moves that only attacks make:

* ``PICKLE-UNRESOLVED-GLOBAL``: ``STACK_GLOBAL`` with arguments that are not literal
  strings (computed at load time, e.g. by an allowed ``codecs.encode`` call);
* ``PICKLE-INDIRECT-CALL``: ``REDUCE``/``NEWOBJ``/``OBJ`` calling something that is not a
  global (the result of an earlier call: how ``getattr`` chains work);
* ``PICKLE-GLOBAL-MUTATION``: ``BUILD``/``SETITEM``/``APPEND`` applied to an imported
  module, class or function (monkey-patching a safe name before using it);
* ``PICKLE-EXTENSION-CODE``: ``EXT1/2/4``, globals taken from the copyreg extension registry,
  which a static scanner cannot resolve.

Frames: ``pickle.loads`` reads a stream linearly whatever its ``FRAME`` opcodes say, but
``pickle.load`` of a file discards the rest of a frame when an opcode's argument runs past
its end (CPython gh-154848). A walk records the first such opcode (``straddle``); the caller
then walks again with ``file_mode`` to see what the other reading imports.

The walk stops at ``STOP`` or at the first byte CPython would reject; everything found up
to that point is kept (the real unpickler has executed it by then).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gates.model import Severity
from gates.scanner.opcodes import Buffer, PickleSyntaxError, decode, decode_framed
from gates.scanner.walk_values import (
    NESTED_LOADERS,
    BytesRef,
    DictV,
    Glob,
    GlobalRef,
    Issue,
    ListV,
    Obj,
    Opaque,
    Payload,
    WalkResult,
)

HIGHEST_PROTOCOL = 5
_MEMO_PUT = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_MEMO_GET = frozenset({"GET", "BINGET", "LONG_BINGET"})

# A BUILD hook: (object just built, buffer, position, end, result) -> new position or None.
BuildHook = Callable[[Obj, Buffer, int, int, WalkResult], "int | None"]


def _bad(pos: int, message: str) -> PickleSyntaxError:
    return PickleSyntaxError(pos, message)


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, bytes, int, float, bool, type(None)))


class Walker:
    """One symbolic unpickler run over ``buf[start:end]``.

    ``lenient``: an empty stack, a missing mark or memo entry yields an unknown value instead
    of an error. Used for bytes that a *different* loader would parse in the middle of a
    stream (joblib array data read by plain ``pickle.load``), where the real stack is unknown.
    """

    def __init__(self, buf: Buffer, start: int, end: int, build_hook: BuildHook | None = None,
                 *, lenient: bool = False, file_mode: bool = False) -> None:
        self.buf, self.start, self.end = buf, start, end
        self.file_mode = file_mode  # read frames as the C unpickler reads a file (decode_framed)
        self.frame_end: int | None = None
        self.build_hook = build_hook
        self.lenient = lenient
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.result = WalkResult(start=start, end=start)

    def run(self) -> WalkResult:
        """Walk until STOP or the first error; never raises for bad input."""
        pos = self.start
        try:
            while True:
                op_pos = pos
                if self.frame_end is not None and pos >= self.frame_end:
                    self.frame_end = None
                if self.file_mode and self.frame_end is not None:
                    name, arg, pos, self.frame_end = decode_framed(self.buf, pos, self.end, self.frame_end)
                else:
                    name, arg, pos = decode(self.buf, pos, self.end)
                    if self.frame_end is not None and pos > self.frame_end and self.result.straddle is None:
                        self.result.straddle = op_pos
                self.result.opcodes += 1
                if name == "STOP":
                    self.result.value = self._pop(op_pos)
                    self.result.stopped = True
                    break
                if name in _MEMO_PUT and self.stack and arg >= 0:  # fast paths for the commonest opcodes
                    self.memo[arg] = self.stack[-1]
                    continue
                if name in _MEMO_GET and arg in self.memo:
                    self.stack.append(self.memo[arg])
                    continue
                new_pos = self._step(name, arg, op_pos, pos)
                if new_pos is not None:
                    pos = new_pos
        except PickleSyntaxError as exc:
            self.result.error = exc
            self.result.end = exc.offset
            return self.result
        self.result.end = pos
        return self.result

    # -- stack helpers -------------------------------------------------------------------
    def _push(self, value: Any) -> None:
        # a method, so that self.stack is read after the argument (which may pop a mark)
        self.stack.append(value)

    def _pop(self, pos: int) -> Any:
        if not self.stack:
            if self.lenient:
                return Opaque("unknown")
            raise _bad(pos, "unpickling stack underflow")
        return self.stack.pop()

    def _pop_mark(self, pos: int) -> list[Any]:
        if not self.metastack:
            if self.lenient:
                items, self.stack = self.stack, []
                return items
            raise _bad(pos, "could not find MARK")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _top(self, pos: int) -> Any:
        if not self.stack:
            if self.lenient:
                self.stack.append(Opaque("unknown"))
                return self.stack[-1]
            raise _bad(pos, "unpickling stack underflow")
        return self.stack[-1]

    def _issue(self, rule: str, severity: Severity, pos: int, message: str, context: str) -> None:
        self.result.issues.append(Issue(rule, severity, pos, message, context))

    def _global(self, module: str, name: str, pos: int, opcode: str) -> Glob:
        self.result.globals.append(GlobalRef(pos, module, name, opcode))
        return Glob(module, name)

    def _call(self, func: Any, args: Any, pos: int, opcode: str) -> Obj:
        if isinstance(func, Glob):
            self.result.calls += 1
            if func.full in NESTED_LOADERS:
                self._payload(args, pos)
            return Obj(func, args)
        what = "the result of an earlier call" if isinstance(func, Obj) else type(func).__name__
        self._issue("PICKLE-INDIRECT-CALL", Severity.CRITICAL, pos,
                    f"{opcode} at byte {pos} calls {what} instead of an imported global: "
                    "this is how getattr/attribute chains reach arbitrary functions", opcode)
        return Obj(None, args)

    def _payload(self, args: Any, pos: int) -> None:
        arg = args[0] if isinstance(args, tuple) and len(args) == 1 else None
        if isinstance(arg, BytesRef):
            self.result.payloads.append(Payload(pos, None, arg.start, arg.end))
        elif (isinstance(arg, Obj) and arg.origin is not None and arg.origin.name == "encode"
              and arg.origin.module in ("_codecs", "codecs") and isinstance(arg.args, tuple)
              and len(arg.args) == 2 and isinstance(arg.args[0], str) and arg.args[1] in ("latin1", "latin-1")):
            data = arg.args[0].encode("latin-1")
            self.result.payloads.append(Payload(pos, data, 0, len(data)))
        else:
            self.result.unresolved_payloads += 1

    def _mutate(self, target: Any, pos: int, opcode: str) -> None:
        if isinstance(target, Glob):
            self._issue("PICKLE-GLOBAL-MUTATION", Severity.CRITICAL, pos,
                        f"{opcode} at byte {pos} modifies the imported global {target.full}: "
                        "patching a module or class at load time can turn a safe name into any callable",
                        target.full)

    # -- the opcodes: one handler per family, chosen through _HANDLERS ----------------------
    # Every handler takes (name, arg, pos, after) whether it needs them all or not.
    # pylint: disable=unused-argument
    def _step(self, name: str, arg: Any, pos: int, after: int) -> int | None:
        handler = _HANDLERS.get(name)
        if handler is None:  # pragma: no cover - every opcode of the table has a handler
            raise _bad(pos, f"unhandled opcode {name}")
        step: int | None = handler(self, name, arg, pos, after)
        return step

    def _literal(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name in ("SHORT_BINBYTES", "BINBYTES", "BINBYTES8"):
            value, length = arg
            self._push(BytesRef(value, after - length, after))
        elif isinstance(arg, tuple):  # length-prefixed text: (value or None, length)
            self._push(arg[0] if arg[0] is not None else Opaque("large literal"))
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            self._push(None if name == "NONE" else name == "NEWTRUE")
        else:
            self._push(arg if arg is not None else Opaque("large integer"))

    def _stack_op(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name == "MARK":
            self.metastack.append(self.stack)
            self.stack = []
        elif name == "POP" and self.stack:
            self.stack.pop()
        elif name in ("POP", "POP_MARK"):
            self._pop_mark(pos)
        else:  # DUP
            self._push(self._top(pos))

    def _memo_op(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name in _MEMO_GET:
            if arg not in self.memo and not self.lenient:
                raise _bad(pos, f"memo value not found at index {arg}")
            self._push(self.memo.get(arg, Opaque("unknown")))
        elif name == "MEMOIZE":
            self.memo[len(self.memo)] = self._top(pos)
        else:
            if arg < 0:
                raise _bad(pos, "negative PUT argument")
            self.memo[arg] = self._top(pos)

    def _import(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name == "GLOBAL":
            self._push(self._global(arg[0], arg[1], pos, name))
        elif name == "STACK_GLOBAL":
            self._stack_global(pos)
        else:  # EXT1/2/4
            self._issue("PICKLE-EXTENSION-CODE", Severity.HIGH, pos,
                        f"{name} at byte {pos} imports the global registered as extension code {arg}; "
                        "the copyreg extension registry cannot be checked statically", f"{name}:{arg}")
            self._push(Glob("copyreg._extension_registry", str(arg)))

    def _invoke(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name == "INST":
            glob = self._global(arg[0], arg[1], pos, name)
            self.result.calls += 1
            self._push(Obj(glob, tuple(self._pop_mark(pos))))
        elif name == "OBJ":
            items = self._pop_mark(pos)
            if not items:
                raise _bad(pos, "OBJ without a class")
            self._push(self._call(items[0], tuple(items[1:]), pos, name))
        elif name == "NEWOBJ_EX":
            kwargs, args = self._pop(pos), self._pop(pos)
            self._push(self._call(self._pop(pos), (args, kwargs), pos, name))
        else:  # REDUCE, NEWOBJ
            args = self._pop(pos)
            self._push(self._call(self._pop(pos), args, pos, name))

    def _build(self, name: str, arg: Any, pos: int, after: int) -> int | None:
        state = self._pop(pos)
        target = self._top(pos)
        self._mutate(target, pos, name)
        if isinstance(target, Obj):
            target.state = state
            if self.build_hook is not None:
                return self.build_hook(target, self.buf, after, self.end, self.result)
        return None

    def _container(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name in ("EMPTY_LIST", "EMPTY_SET"):
            self._push(ListV())
        elif name in ("LIST", "FROZENSET"):
            self._push(ListV(self._pop_mark(pos)))
        elif name in ("EMPTY_DICT", "DICT"):
            items = self._pop_mark(pos) if name == "DICT" else []
            self._push(DictV((k, v) for k, v in zip(items[::2], items[1::2]) if _hashable(k)))
        else:
            self._tuple(name, pos)

    def _add(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name == "APPEND":
            items = [self._pop(pos)]
        elif name == "SETITEM":
            value, key = self._pop(pos), self._pop(pos)
            items = [key, value]
        else:  # APPENDS, ADDITEMS, SETITEMS
            items = self._pop_mark(pos)
        target = self._top(pos)
        self._mutate(target, pos, name)
        if isinstance(target, ListV) and name in ("APPEND", "APPENDS", "ADDITEMS"):
            target.extend(items)
        elif isinstance(target, DictV) and name in ("SETITEM", "SETITEMS"):
            target.update((k, v) for k, v in zip(items[::2], items[1::2]) if _hashable(k))

    def _persistent(self, name: str, arg: Any, pos: int, after: int) -> None:
        pid = self._pop(pos) if name == "BINPERSID" else arg
        # legacy torch.save stores nn.Module classes as ("module", <class>, file, source)
        if isinstance(pid, tuple) and len(pid) > 1 and pid[0] == "module" and isinstance(pid[1], Glob):
            self._push(pid[1])
        else:
            self._push(Opaque("persistent id"))

    def _control(self, name: str, arg: Any, pos: int, after: int) -> None:
        if name == "PROTO":
            if arg > HIGHEST_PROTOCOL:
                raise _bad(pos, f"unsupported pickle protocol {arg}")
            self.result.protocol = arg
        elif name == "FRAME":
            if after + arg > self.end:
                raise _bad(pos, f"FRAME of {arg} bytes runs past the end of the data")
            self.frame_end = after + arg
        elif name == "NEXT_BUFFER":
            self._push(Opaque("out-of-band buffer"))
        else:  # READONLY_BUFFER
            self._top(pos)

    def _tuple(self, name: str, pos: int) -> None:
        if name == "EMPTY_TUPLE":
            self._push(())
        elif name == "TUPLE":
            self._push(tuple(self._pop_mark(pos)))
        else:
            count = int(name[-1])
            items = [self._pop(pos) for _ in range(count)]
            self._push(tuple(reversed(items)))

    def _stack_global(self, pos: int) -> None:
        name, module = self._pop(pos), self._pop(pos)
        if isinstance(module, str) and isinstance(name, str):
            self._push(self._global(module, name, pos, "STACK_GLOBAL"))
            return
        shown = []
        for value in (module, name):
            if isinstance(value, BytesRef) and value.value is not None:
                shown.append(value.value.decode("latin-1"))
            elif isinstance(value, (bytes, bytearray)):
                shown.append(bytes(value).decode("latin-1"))
            elif isinstance(value, str):
                shown.append(value)
        described = ", ".join(type(v).__name__ for v in (module, name))
        self._issue("PICKLE-UNRESOLVED-GLOBAL", Severity.CRITICAL, pos,
                    f"STACK_GLOBAL at byte {pos} takes a module/name that are not literal strings "
                    f"({described}): the global is computed at load time and cannot be checked",
                    "STACK_GLOBAL")
        if len(shown) == 2:
            self.result.globals.append(GlobalRef(pos, shown[0], shown[1], "STACK_GLOBAL"))
        self._push(Glob(shown[0] if shown else "?", shown[1] if len(shown) > 1 else "?"))


# pylint: disable=protected-access
_FAMILIES: dict[Callable[..., Any], str] = {
    Walker._literal: "SHORT_BINBYTES BINBYTES BINBYTES8 SHORT_BINUNICODE BINUNICODE BINUNICODE8 "
                     "SHORT_BINSTRING BINSTRING BYTEARRAY8 INT BININT BININT1 BININT2 LONG FLOAT BINFLOAT "
                     "STRING UNICODE LONG1 LONG4 NONE NEWTRUE NEWFALSE",
    Walker._stack_op: "MARK POP POP_MARK DUP",
    Walker._memo_op: "PUT BINPUT LONG_BINPUT GET BINGET LONG_BINGET MEMOIZE",
    Walker._import: "GLOBAL STACK_GLOBAL EXT1 EXT2 EXT4",
    Walker._invoke: "INST OBJ REDUCE NEWOBJ NEWOBJ_EX",
    Walker._build: "BUILD",
    Walker._container: "EMPTY_LIST LIST EMPTY_SET FROZENSET EMPTY_DICT DICT EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3",
    Walker._add: "APPEND APPENDS ADDITEMS SETITEM SETITEMS",
    Walker._persistent: "PERSID BINPERSID",
    Walker._control: "PROTO FRAME NEXT_BUFFER READONLY_BUFFER",
}
# pylint: enable=protected-access
_HANDLERS: dict[str, Callable[..., Any]] = {op: fn for fn, ops in _FAMILIES.items() for op in ops.split()}


def walk(buf: Buffer, start: int, end: int, build_hook: BuildHook | None = None, *,
         lenient: bool = False, file_mode: bool = False) -> WalkResult:
    """Walk the pickle starting at ``buf[start]`` (bounded by ``end``); ``file_mode``: read
    opcodes that straddle a FRAME's end as ``pickle.load`` of a file does (see
    :func:`gates.scanner.opcodes.decode_framed`), else linearly as ``pickle.loads`` does."""
    return Walker(buf, start, end, build_hook, lenient=lenient, file_mode=file_mode).run()
