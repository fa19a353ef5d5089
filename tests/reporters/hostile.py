"""What the Actions runner and GitHub's renderer would make of our output, for hostile-input tests.

- :func:`runner_commands` reads stdout the way the runner does (lines split on CR/LF,
  ``::stop-commands::TOKEN`` … ``::TOKEN::`` fences honoured, ``::name`` after leading spaces
  and the legacy ``##[name]`` anywhere in a line) and returns every line it would execute;
- :func:`render_gfm` renders Markdown with cmark-gfm as GitHub does (raw HTML allowed, the
  table, autolink, strikethrough and tagfilter extensions) and :func:`html_elements` lists
  the elements and attributes of the result.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

ANNOTATION = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:\r\n]*(,[a-z]+=[^,:\r\n]*)*)?::[^\r\n]*$")
OWN_COMMANDS = {"error", "warning", "notice", "group", "endgroup", "add-mask"}
CMARK = shutil.which("cmark-gfm")


def runner_commands(stdout: str) -> list[str]:
    """Every line of ``stdout`` the runner would treat as a workflow command."""
    commands: list[str] = []
    token: str | None = None
    for line in re.split(r"\r\n|\r|\n", stdout):
        if token is not None:
            if line.strip() == f"::{token}::":
                token = None
            continue
        stripped = line.lstrip()
        if stripped.startswith("::"):
            name = stripped[2:].split("::", 1)[0].split(" ", 1)[0]
            if name == "stop-commands":
                token = stripped.split("::", 2)[2]
                continue
            commands.append(stripped)
        elif "##[" in line:
            commands.append(line)
    return commands


def unescape(value: str) -> str:
    """Undo the runner's escaping of a command property or message."""
    return (value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def command_properties(line: str) -> dict[str, str]:
    """The decoded properties of one ``::name k=v,k=v::message`` line."""
    head = line[2:].split("::", 1)[0]
    if " " not in head:
        return {}
    return {k: unescape(v) for k, v in (p.split("=", 1) for p in head.split(" ", 1)[1].split(","))}


def assert_only_own_commands(stdout: str, files: set[str]) -> None:
    """Every command the runner would run is ours, well formed, and names only real files."""
    for line in runner_commands(stdout):
        assert line.startswith("::"), f"legacy ##[ command would run: {line!r}"
        name = line[2:].split("::", 1)[0].split(" ", 1)[0]
        assert name in OWN_COMMANDS, f"injected command: {line!r}"
        if name in ("error", "warning", "notice"):
            assert ANNOTATION.match(line), f"malformed annotation: {line!r}"
            path = command_properties(line).get("file")
            assert path is None or path in files, f"annotation names a file that does not exist: {path!r}"


def render_gfm(markdown: str) -> str:
    """HTML as GitHub's cmark-gfm renders it before sanitising."""
    assert CMARK, "cmark-gfm is not installed (scripts/setup.sh installs it)"
    return subprocess.run([CMARK, "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough",
                           "-e", "tagfilter"], input=markdown, capture_output=True, text=True, check=True,
                          timeout=120).stdout


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.closed: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.closed.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def html_elements(html: str) -> tuple[list[tuple[str, dict[str, str | None]]], list[str], str]:
    """(start tags with attributes, end tags, text) of ``html``."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found, parser.closed, "".join(parser.texts)


SAFE_TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "table", "thead", "tbody", "tr",
             "th", "td", "details", "summary", "b", "blockquote", "a", "hr", "br", "del"}


def assert_no_injected_markup(markdown: str, sections: int) -> str:
    """The Markdown renders to our own elements only: no image, script, heading of theirs, no extra
    ``</details>``, links only to http(s) targets with our rule ids as text. Returns the HTML."""
    html = render_gfm(markdown)
    found, closed, _ = html_elements(html)
    tags = [t for t, _ in found]
    assert set(tags) <= SAFE_TAGS, sorted(set(tags) - SAFE_TAGS)
    assert tags.count("details") == closed.count("details") == sections, (tags.count("details"), sections)
    assert tags.count("h2") == 1
    for tag, attrs in found:
        if tag == "a":
            assert str(attrs.get("href", "")).startswith(("https://", "http://")), attrs
    return html
