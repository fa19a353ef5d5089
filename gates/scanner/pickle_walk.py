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

The walk stops at ``STOP`` or at the first byte CPython would reject; everything found up
to that point is kept (the real unpickler has executed it by then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from gates.model import Severity
from gates.scanner.opcodes import Buffer, PickleSyntaxError, decode

HIGHEST_PROTOCOL = 5
_MEMO_PUT = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_MEMO_GET = frozenset({"GET", "BINGET", "LONG_BINGET"})


class Opaque:
    """A value the walker cannot describe (persistent ids, buffers, large literals)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


class BytesRef:
    """A bytes literal and where its data lies in the buffer (``value`` None when large)."""

    __slots__ = ("value", "start", "end")

    def __init__(self, value: bytes | None, start: int, end: int) -> None:
        self.value, self.start, self.end = value, start, end


# Callables that unpickle their bytes argument; the bytes are scanned as a nested file.
NESTED_LOADERS = frozenset({"torch.storage._load_from_bytes"})


@dataclass(frozen=True)
class Payload:
    """Bytes a nested loader would unpickle: ``data`` in memory or ``buf[start:end]``."""

    offset: int
    data: bytes | None
    start: int
    end: int


class Glob:
    """An imported global: ``module`` and (possibly dotted) ``name``."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    @property
    def full(self) -> str:
        """``module.name``."""
        return f"{self.module}.{self.name}"


class Obj:
    """The result of calling ``origin`` (a :class:`Glob`, or ``None`` when computed)."""

    __slots__ = ("origin", "args", "state")

    def __init__(self, origin: Glob | None, args: Any) -> None:
        self.origin = origin
        self.args = args
        self.state: Any = None


class ListV(list):  # type: ignore[type-arg]
    """A list being built."""


class DictV(dict):  # type: ignore[type-arg]
    """A dict being built (keys that are not hashable descriptions are dropped)."""


@dataclass(frozen=True)
class GlobalRef:
    """One global the stream imports, where and how."""

    offset: int
    module: str
    name: str
    opcode: str


@dataclass(frozen=True)
class Issue:
    """A structural problem (rule id, severity, byte offset, message, fingerprint context)."""

    rule_id: str
    severity: Severity
    offset: int
    message: str
    context: str


@dataclass
class WalkResult:
    """What one walk saw; ``end`` is the offset after ``STOP`` (or of the error)."""

    start: int
    end: int
    stopped: bool = False
    error: PickleSyntaxError | None = None
    protocol: int = 0
    value: Any = None
    opcodes: int = 0
    globals: list[GlobalRef] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    nested: list["WalkResult"] = field(default_factory=list)
    payloads: list[Payload] = field(default_factory=list)
    unresolved_payloads: int = 0


# A BUILD hook: (object just built, buffer, position, end, result) -> new position or None.
BuildHook = Callable[[Obj, Buffer, int, int, WalkResult], "int | None"]


def _bad(pos: int, message: str) -> PickleSyntaxError:
    return PickleSyntaxError(pos, message)


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, bytes, int, float, bool, type(None)))


class Walker:
    """One symbolic unpickler run over ``buf[start:end]``."""

    def __init__(self, buf: Buffer, start: int, end: int, build_hook: BuildHook | None = None) -> None:
        self.buf, self.start, self.end = buf, start, end
        self.build_hook = build_hook
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
                name, arg, pos = decode(self.buf, pos, self.end)
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
            raise _bad(pos, "unpickling stack underflow")
        return self.stack.pop()

    def _pop_mark(self, pos: int) -> list[Any]:
        if not self.metastack:
            raise _bad(pos, "could not find MARK")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _top(self, pos: int) -> Any:
        if not self.stack:
            raise _bad(pos, "unpickling stack underflow")
        return self.stack[-1]

    def _issue(self, rule: str, severity: Severity, pos: int, message: str, context: str) -> None:
        self.result.issues.append(Issue(rule, severity, pos, message, context))

    def _global(self, module: str, name: str, pos: int, opcode: str) -> Glob:
        self.result.globals.append(GlobalRef(pos, module, name, opcode))
        return Glob(module, name)

    def _call(self, func: Any, args: Any, pos: int, opcode: str) -> Obj:
        if isinstance(func, Glob):
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

    # -- the opcodes ---------------------------------------------------------------------
    def _step(self, name: str, arg: Any, pos: int, after: int) -> int | None:  # noqa: C901
        if name in ("SHORT_BINBYTES", "BINBYTES", "BINBYTES8"):
            value, length = arg
            self._push(BytesRef(value, after - length, after))
        elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "SHORT_BINSTRING", "BINSTRING",
                      "BYTEARRAY8"):
            value, _length = arg
            self._push(value if value is not None else Opaque("large literal"))
        elif name in ("INT", "BININT", "BININT1", "BININT2", "LONG", "FLOAT", "BINFLOAT",
                      "STRING", "UNICODE"):
            self._push(arg)
        elif name in ("LONG1", "LONG4"):
            self._push(arg if arg is not None else Opaque("large integer"))
        elif name == "NONE":
            self._push(None)
        elif name in ("NEWTRUE", "NEWFALSE"):
            self._push(name == "NEWTRUE")
        elif name == "MARK":
            self.metastack.append(self.stack)
            self.stack = []
        elif name == "POP":
            if self.stack:
                self.stack.pop()
            else:
                self._pop_mark(pos)
        elif name == "POP_MARK":
            self._pop_mark(pos)
        elif name == "DUP":
            self._push(self._top(pos))
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            if arg < 0:
                raise _bad(pos, "negative PUT argument")
            self.memo[arg] = self._top(pos)
        elif name == "MEMOIZE":
            self.memo[len(self.memo)] = self._top(pos)
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            if arg not in self.memo:
                raise _bad(pos, f"memo value not found at index {arg}")
            self._push(self.memo[arg])
        elif name == "GLOBAL":
            self._push(self._global(arg[0], arg[1], pos, name))
        elif name == "STACK_GLOBAL":
            self._stack_global(pos)
        elif name == "INST":
            glob = self._global(arg[0], arg[1], pos, name)
            self._push(Obj(glob, tuple(self._pop_mark(pos))))
        elif name == "OBJ":
            items = self._pop_mark(pos)
            if not items:
                raise _bad(pos, "OBJ without a class")
            self._push(self._call(items[0], tuple(items[1:]), pos, name))
        elif name == "REDUCE":
            args = self._pop(pos)
            self._push(self._call(self._pop(pos), args, pos, name))
        elif name == "NEWOBJ":
            args = self._pop(pos)
            self._push(self._call(self._pop(pos), args, pos, name))
        elif name == "NEWOBJ_EX":
            kwargs, args = self._pop(pos), self._pop(pos)
            self._push(self._call(self._pop(pos), (args, kwargs), pos, name))
        elif name == "BUILD":
            state = self._pop(pos)
            target = self._top(pos)
            self._mutate(target, pos, name)
            if isinstance(target, Obj):
                target.state = state
                if self.build_hook is not None:
                    return self.build_hook(target, self.buf, after, self.end, self.result)
        elif name in ("EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
            self._tuple(name, pos)
        elif name == "EMPTY_LIST":
            self._push(ListV())
        elif name == "LIST":
            self._push(ListV(self._pop_mark(pos)))
        elif name in ("EMPTY_DICT", "DICT"):
            items = self._pop_mark(pos) if name == "DICT" else []
            self._push(DictV((k, v) for k, v in zip(items[::2], items[1::2]) if _hashable(k)))
        elif name in ("EMPTY_SET", "FROZENSET"):
            items = self._pop_mark(pos) if name == "FROZENSET" else []
            self._push(ListV(items))
        elif name in ("APPEND", "APPENDS", "ADDITEMS"):
            items = [self._pop(pos)] if name == "APPEND" else self._pop_mark(pos)
            target = self._top(pos)
            self._mutate(target, pos, name)
            if isinstance(target, ListV):
                target.extend(items)
        elif name in ("SETITEM", "SETITEMS"):
            if name == "SETITEM":
                value, key = self._pop(pos), self._pop(pos)
                items = [key, value]
            else:
                items = self._pop_mark(pos)
            target = self._top(pos)
            self._mutate(target, pos, name)
            if isinstance(target, DictV):
                target.update((k, v) for k, v in zip(items[::2], items[1::2]) if _hashable(k))
        elif name in ("PERSID", "BINPERSID"):
            pid = self._pop(pos) if name == "BINPERSID" else arg
            # legacy torch.save stores nn.Module classes as ("module", <class>, file, source)
            if isinstance(pid, tuple) and len(pid) > 1 and pid[0] == "module" and isinstance(pid[1], Glob):
                self._push(pid[1])
            else:
                self._push(Opaque("persistent id"))
        elif name in ("EXT1", "EXT2", "EXT4"):
            self._issue("PICKLE-EXTENSION-CODE", Severity.HIGH, pos,
                        f"{name} at byte {pos} imports the global registered as extension code {arg}; "
                        "the copyreg extension registry cannot be checked statically", f"{name}:{arg}")
            self._push(Glob("copyreg._extension_registry", str(arg)))
        elif name == "PROTO":
            if arg > HIGHEST_PROTOCOL:
                raise _bad(pos, f"unsupported pickle protocol {arg}")
            self.result.protocol = arg
        elif name == "FRAME":
            if after + arg > self.end:
                raise _bad(pos, f"FRAME of {arg} bytes runs past the end of the data")
        elif name in ("NEXT_BUFFER", "READONLY_BUFFER"):
            if name == "NEXT_BUFFER":
                self._push(Opaque("out-of-band buffer"))
            else:
                self._top(pos)
        else:  # pragma: no cover - every opcode of the table is handled above
            raise _bad(pos, f"unhandled opcode {name}")
        return None

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


def walk(buf: Buffer, start: int, end: int, build_hook: BuildHook | None = None) -> WalkResult:
    """Walk the pickle starting at ``buf[start]`` (bounded by ``end``)."""
    return Walker(buf, start, end, build_hook).run()
