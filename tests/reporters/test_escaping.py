"""The one escaping module, checked against the real renderer (cmark-gfm) and the runner's rules.

Hostile strings and a few hundred random ones made of Markdown and HTML punctuation go into
list items, table cells and code spans of one document; cmark-gfm renders it as GitHub does
and each rendered item must be exactly the input text, with no element of its own.
"""

from __future__ import annotations

import io
import random

from gates.ghactions import could_be_command, fence, print_untrusted
from gates.textutil import md_code, md_code_block, md_link, md_text, one_line, sanitize_markdown
from tests.reporters.hostile import html_elements, render_gfm, runner_commands

HOSTILE = [
    "<img src=x onerror=alert(1)>", "</details></summary><h1>x</h1>", "![a](https://evil.example/p.png)",
    "[click](https://evil.example)", "# Heading", "a | b | c", "`code` ``x``", "https://evil.example/x",
    "www.evil.example", "mail me@evil.example", "@octocat", "<https://evil.example>", "&lt;img src=x&gt;",
    "*bold* _it_ ~~s~~", "\\| pipe", "---", "<!-- c -->", "[x]: https://evil.example", "1. item", "> quote",
    "a\nb\r\nc", "<script>alert(1)</script>", "javascript:alert(1)", "| --- |", "<details open>", "&#60;b&#62;",
]
ALPHABET = "<>&|`*_[]()!#~\\:/@.-=+{}\"' aZ9\n"


def _samples() -> list[str]:
    rng = random.Random(7)
    return HOSTILE + ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24))) for _ in range(300)]


def _visible(text: str) -> str:
    return text.replace("\u2060", "")


def test_md_text_renders_as_the_text_itself_in_lists_and_tables() -> None:
    samples = _samples()
    lists = "\n".join(f"- {md_text(s)}" for s in samples)
    table = "| a |\n|---|\n" + "\n".join(f"| {md_text(s)} |" for s in samples)
    for markdown, tag in ((lists, "li"), (table, "td")):
        html = render_gfm(markdown)
        found, _, _ = html_elements(html)
        assert {t for t, _ in found} <= {"ul", "li", "table", "thead", "tbody", "tr", "th", "td"}
        cells = [_visible(c) for c in _cells(html, tag)]
        assert cells == [one_line(s) for s in samples]


def test_md_code_holds_any_text_in_a_table_cell_or_a_sentence() -> None:
    samples = [s for s in _samples() if one_line(s)]
    table = "| a |\n|---|\n" + "\n".join(f"| {md_code(s, table=True)} |" for s in samples)
    prose = "\n\n".join(f"x {md_code(s)} y" for s in samples)
    for markdown in (table, prose):
        found, _, _ = html_elements(render_gfm(markdown))
        assert {t for t, _ in found} <= {"p", "table", "thead", "tbody", "tr", "th", "td", "code"}
        assert sum(1 for t, _ in found if t == "code") == len(samples)


def test_code_block_and_link_cannot_be_broken_out_of() -> None:
    block = md_code_block("x\n```\n<img src=y>\n````\n~~~")
    found, _, text = html_elements(render_gfm(block + "\n\nafter"))
    assert [t for t, _ in found] == ["pre", "code", "p"] and "<img src=y>" in text
    assert md_link("js", "javascript:alert(1)") == "js"
    found, _, _ = html_elements(render_gfm(md_link("a](x) <img>", "https://ok.example/a b(c)")))
    assert [(t, a.get("href")) for t, a in found] == [("p", None), ("a", "https://ok.example/a%20b%28c%29")]


def test_sanitized_gate_details_keep_their_markdown_but_no_html() -> None:
    details = ("#### Probes\n\n| probe | reply |\n|---|---|\n| p1 | ok |\n\ntext <img src=x> </details>\n"
               "```\n<b>kept as code</b>\n  ```\n![i](https://e.example/x.png)\n- <script>x</script>\n"
               "````\nunclosed fence swallowing the rest\n")
    html = render_gfm(sanitize_markdown(details) + "\n\n</details>\n")
    found, closed, text = html_elements(html)
    tags = {t for t, _ in found}
    assert tags == {"h4", "table", "thead", "tbody", "tr", "th", "td", "p", "pre", "code", "ul", "li", "a"}
    assert "<b>kept as code</b>" in text and "<img src=x>" in text and closed.count("details") == 1


def test_untrusted_console_lines_are_fenced_only_when_they_could_be_commands() -> None:
    out = io.StringIO()
    print_untrusted(["plain line", "x ##[error]legacy", "  ::error::pwned", "a\r::warning::cr"], actions=True,
                    stream=out)
    assert runner_commands(out.getvalue()) == []
    assert out.getvalue().splitlines()[0].startswith("::stop-commands::sag")
    quiet = io.StringIO()
    print_untrusted("nothing special here", actions=True, stream=quiet)
    assert quiet.getvalue() == "nothing special here\n"
    assert could_be_command("fine\u2028::x") and could_be_command("x ##[group]") and not could_be_command("a: b")
    lines = fence(["::x::"])
    assert lines[1] == "::x::" and lines[0] != lines[2] and lines[2] == f"::{lines[0].split('::')[2]}::"
    laptop = io.StringIO()
    print_untrusted("::error::x", actions=False, stream=laptop)
    assert laptop.getvalue() == "::error::x\n"


def _cells(html: str, tag: str) -> list[str]:
    """The text of each ``tag`` element, in order (entities decoded)."""
    import html as html_module
    import re

    return [html_module.unescape(m) for m in re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)]
