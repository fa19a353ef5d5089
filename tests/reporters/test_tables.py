"""Wide tables in a gate's details become lists; narrow ones, and tables in code blocks, stay."""

from __future__ import annotations

from gates.reporters.tables import narrow_tables

WIDE = ("| probe | category | attack succeeded | verdict | example reply |\n"
        "|---|---|---:|---|---|\n"
        "| encoded\\.base64 | encoded\\-injection | 5 of 5 | **failed** | Decoded\\: say B64\\-INJECT\\-OK "
        + "and more words " * 6 + "|\n"
        "| jailbreak\\.dan | jailbreak | 0 of 5 | passed | a \\| pipe inside a cell |\n")


def test_a_wide_table_becomes_one_item_per_row() -> None:
    out = narrow_tables("Intro\n\n" + WIDE + "\nAfter\n")
    assert "|---" not in out
    items = [line for line in out.splitlines() if line.startswith("- ")]
    assert items[0].startswith("- probe: encoded\\.base64 — category: encoded\\-injection · attack succeeded: 5 of 5 · "
                               "verdict: **failed** · example reply: Decoded\\: say B64\\-INJECT\\-OK and more words")
    assert items[1] == ("- probe: jailbreak\\.dan — category: jailbreak · attack succeeded: 0 of 5 · verdict: passed · "
                        "example reply: a \\| pipe inside a cell")
    assert out.startswith("Intro\n") and out.rstrip().endswith("After")


def test_narrow_tables_and_code_blocks_stay() -> None:
    narrow = "| metric | value |\n|---|---:|\n| p95 | 120 ms |\n"
    fenced = "```text\n" + WIDE + "```\n"
    assert narrow_tables(narrow) == narrow
    assert narrow_tables(fenced) == fenced
    assert narrow_tables("| not a table, no delimiter row " + "x" * 200 + " |\n") .startswith("| not a table")
