"""Judge a Jinja2 chat template statically: does rendering it reach Python internals?

CVE-2024-34359 (llama-cpp-python) rendered a GGUF file's chat template with a plain
``jinja2.Environment``: ``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` runs a
command. Benign chat templates only index messages, loop, test strings and call string
methods. The template is parsed with Jinja2's own parser (never rendered) and flagged
``CHAT-TEMPLATE-CODE`` (critical) when it

* reads an attribute or item whose name starts with ``_`` (``__globals__``, ``__class__``,
  ``__subclasses__``, ``__init__``, ``_TemplateReference__context`` ...) or is one of
  :data:`DANGEROUS_ATTRS` (``os``, ``popen``, ``system``, ``eval``, ``builtins`` ...);
* reads any attribute of a global function object that leads to module globals
  (``cycler``, ``joiner``, ``namespace``, ``lipsum``, ``range``, ``dict``, ``self`` ...;
  calling ``namespace(...)`` is fine, ``namespace.__init__`` is not);
* uses the ``attr`` filter, or ``attribute=`` of ``map``/``sort``/``selectattr``/... with a
  name starting with ``_``;
* indexes with a key built at render time from strings (concatenation, ``format``,
  ``join``, ``replace``, ``%``, string filters, or a variable assigned from such), which is
  how ``'_' ~ '_class_' ~ '_'`` dodges the literal checks;
* includes, imports or extends other templates.

A template Jinja2 cannot parse cannot be rendered either, but another Jinja version might:
``MODEL-NOT-SCANNED``. Without Jinja2 installed the template is ``MODEL-NOT-SCANNED`` too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gates.model import Severity
from gates.scanner.context import ScanContext

DANGEROUS_ATTRS = frozenset({
    "os", "sys", "popen", "system", "eval", "exec", "spawn", "subprocess", "globals", "builtins",
    "subclasses", "mro", "import_module", "getattr", "setattr", "open", "read", "write", "load",
    "loads", "modules", "environ", "func_globals", "f_globals", "gi_frame", "tb_frame", "cr_frame",
    "check_output", "run", "call", "Popen", "import", "compile", "environment", "globals_",
})
GADGET_GLOBALS = frozenset({
    "cycler", "joiner", "namespace", "lipsum", "range", "dict", "self", "config", "request",
    "url_for", "get_flashed_messages", "g", "session", "raise_exception", "strftime_now",
})
_STRING_FILTERS = frozenset({  # filters that can produce underscores from other values
    "format", "join", "replace", "reverse", "string", "list", "first", "last", "batch", "slice", "map", "select",
    "attr", "urlencode",
})
_ATTRIBUTE_FILTERS = frozenset({"map", "sort", "selectattr", "rejectattr", "groupby", "sum", "unique", "min", "max"})


def _problems(tree: Any, nodes: Any) -> Iterator[str]:
    tainted: set[str] = set()
    for assign in tree.find_all((nodes.Assign, nodes.For)):
        target = assign.target
        value = assign.node if isinstance(assign, nodes.Assign) else assign.iter
        if _builds_string(value, nodes, tainted):
            tainted.update(n.name for n in [target, *target.find_all(nodes.Name)] if isinstance(n, nodes.Name))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Include, nodes.Import,
                               nodes.FromImport, nodes.Extends)):
        if isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            yield f"{type(node).__name__.lower()} of another template"
            continue
        if isinstance(node, nodes.Filter):
            yield from _filter(node, nodes)
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else (
            node.arg.value if isinstance(node.arg, nodes.Const) else None)
        if isinstance(key, str) and (key.startswith("_") or key in DANGEROUS_ATTRS):
            yield f"reads {key!r}"
        elif isinstance(node.node, nodes.Name) and node.node.name in GADGET_GLOBALS and key is not None:
            yield f"reads an attribute of the global {node.node.name!r}"
        elif isinstance(node, nodes.Getitem) and key is None and _builds_string(node.arg, nodes, tainted):
            yield "indexes with a key built from strings at render time"


def _filter(node: Any, nodes: Any) -> Iterator[str]:
    if node.name == "attr":
        yield "uses the attr filter"
    if node.name in _ATTRIBUTE_FILTERS:
        for kwarg in node.kwargs:
            value = kwarg.value
            if kwarg.key == "attribute" and not (isinstance(value, nodes.Const) and isinstance(value.value, str)
                                                 and not value.value.startswith("_")):
                yield f"{node.name}(attribute=...) reaches a private or computed attribute"


def _builds_string(expr: Any, nodes: Any, tainted: set[str]) -> bool:
    for sub in [expr, *expr.find_all(nodes.Node)]:
        if isinstance(sub, nodes.Concat) or (isinstance(sub, nodes.Filter) and sub.name in _STRING_FILTERS):
            return True
        if isinstance(sub, (nodes.Add, nodes.Mod, nodes.Mul)) and any(
                isinstance(side, nodes.Const) and isinstance(side.value, str) for side in (sub.left, sub.right)):
            return True
        if isinstance(sub, nodes.Name) and sub.name in tainted:
            return True
        if isinstance(sub, nodes.Const) and isinstance(sub.value, str) and (
                sub.value.startswith("_") or "__" in sub.value):
            return True
    return False


def judge(ctx: ScanContext, template: str, member: str | None, key: str) -> None:
    """Report what in ``template`` (the value of ``key``) reaches Python internals."""
    try:
        import jinja2  # pylint: disable=import-outside-toplevel
        from jinja2 import nodes  # pylint: disable=import-outside-toplevel
        from jinja2.sandbox import ImmutableSandboxedEnvironment  # pylint: disable=import-outside-toplevel
    except ImportError:
        ctx.add("MODEL-NOT-SCANNED", ctx.policy.not_scanned_severity, member,
                f"{key}: a Jinja2 chat template, not checked because Jinja2 is not installed "
                "(pip install jinja2)", f"{key}|no-jinja2")
        return
    try:
        tree = ImmutableSandboxedEnvironment(autoescape=True).parse(template)  # parsed, never rendered
    except (jinja2.TemplateSyntaxError, RecursionError, ValueError) as exc:
        ctx.add("MODEL-NOT-SCANNED", ctx.policy.not_scanned_severity, member,
                f"{key}: the chat template does not parse as Jinja2 ({exc}); it was not checked",
                f"{key}|syntax")
        return
    found = sorted(set(_problems(tree, nodes)))
    if found:
        ctx.add("CHAT-TEMPLATE-CODE", Severity.CRITICAL, member,
                f"{key}: the Jinja2 chat template {'; '.join(found[:5])}: rendering it outside a sandbox "
                "runs code (CVE-2024-34359). Do not serve this model; replace the template", key)
