#!/usr/bin/env python3
"""See the job summary as a reviewer does: cmark-gfm (GitHub's Markdown renderer) + headless Chromium.

    python scripts/summary_preview.py SUMMARY.md OUT.png [--width 1012] [--height 1400]

Renders SUMMARY.md with cmark-gfm as GitHub does (raw HTML allowed, tables, autolinks,
strikethrough, tagfilter), wraps it in the few rules of GitHub's ``markdown-body`` stylesheet
that decide layout (tables scroll inside the pane, code and long words wrap), screenshots it in
headless Chromium at the width of the job-summary pane (1,012 px), and prints every element
whose content is wider than the pane (what a reviewer sees clipped): none is the goal.
Needs the Debian packages ``cmark-gfm`` and ``chromium`` (``scripts/setup.sh`` installs both).
The README's picture (``docs/images/summary.png``) is made with this script.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PANE_WIDTH = 1012  # px: the job summary's content width on a 1,280 px wide browser window
STYLE = """
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: %dpx; padding: 16px; font: 14px/1.5 -apple-system, "Segoe UI",
  "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1f2328; word-wrap: break-word; }
.markdown-body table { display: block; width: max-content; max-width: 100%%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body code { padding: .2em .4em; font-size: 85%%; white-space: break-spaces; background: #eff1f3;
  border-radius: 6px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.markdown-body pre { padding: 16px; overflow: auto; background: #f6f8fa; border-radius: 6px; }
.markdown-body pre code { white-space: pre; padding: 0; background: none; }
.markdown-body blockquote { margin: 0; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
.markdown-body h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
.markdown-body details summary { cursor: pointer; }
"""
PROBE = """<script>
window.addEventListener('load', () => {
  const wide = [];
  for (const el of document.querySelectorAll('.markdown-body *')) {
    if (el.closest('pre')) continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      wide.push(el.tagName + ': ' + el.textContent.slice(0, 80));
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > %d + 1) wide.push(el.tagName + ' past the pane: ' + el.textContent.slice(0, 80));
  }
  const out = document.createElement('pre');
  out.id = 'overflow-report';
  out.textContent = JSON.stringify(wide);
  document.body.appendChild(out);
});
</script>"""


def render_html(markdown: str, width: int = PANE_WIDTH, probe: bool = False) -> str:
    """A standalone HTML page of ``markdown`` as GitHub renders it in the summary pane."""
    cmark = shutil.which("cmark-gfm")
    if cmark is None:
        raise SystemExit("cmark-gfm is not installed (apt-get install cmark-gfm, or bash scripts/setup.sh)")
    body = subprocess.run([cmark, "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough",
                           "-e", "tagfilter"], input=markdown, capture_output=True, text=True, check=True,
                          timeout=300).stdout
    script = PROBE % width if probe else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape('job summary')}</title>"
            f"<style>{STYLE % width}</style></head><body><div class='markdown-body'>{body}</div>{script}"
            f"</body></html>")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium is not installed (apt-get install chromium, or bash scripts/setup.sh)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=300)


def overflowing(markdown: str, width: int = PANE_WIDTH) -> list[str]:
    """Elements whose content is wider than the pane (tool output in ``<pre>`` excepted)."""
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "summary.html"
        page.write_text(render_html(markdown, width, probe=True), encoding="utf-8")
        done = _chromium(f"--window-size={width},2000", "--virtual-time-budget=10000", "--dump-dom", page.as_uri())
    match = re.search(r'<pre id="overflow-report">(.*?)</pre>', done.stdout, re.S)
    if match is None:
        raise RuntimeError(f"chromium did not run the layout probe: {done.stderr[-2000:]}")
    return list(json.loads(html.unescape(match.group(1))))


def screenshot(markdown: str, png: Path, width: int = PANE_WIDTH, height: int = 1400) -> None:
    """A PNG of the rendered summary, ``width`` x ``height`` pixels."""
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "summary.html"
        page.write_text(render_html(markdown, width), encoding="utf-8")
        done = _chromium(f"--window-size={width},{height}", f"--screenshot={png.resolve()}", page.as_uri())
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot: {done.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    """Screenshot a summary and report clipped elements; exit 1 when something is clipped."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("summary", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=PANE_WIDTH)
    parser.add_argument("--height", type=int, default=1400)
    args = parser.parse_args(argv)
    markdown = args.summary.read_text(encoding="utf-8")
    screenshot(markdown, args.png, args.width, args.height)
    wide = overflowing(markdown, args.width)
    print(f"wrote {args.png}; {len(wide)} element(s) wider than {args.width} px")
    for item in wide[:20]:
        print(f"  {item}")
    return 1 if wide else 0


if __name__ == "__main__":
    sys.exit(main())
