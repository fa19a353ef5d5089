"""Run every benchmark module (``bench/bench_*.py``) and print one table.

    python -m bench [--quick] [NAME ...]

Each module exposes ``rows(quick: bool) -> list[Row]``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from bench.common import Row


def _modules(names: list[str]) -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if names:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in names}
        unknown = wanted - set(found)
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(found)}")
        return [m for m in found if m in wanted]
    return found


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 0."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in _modules(args.names):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        rows.extend(module.rows(args.quick))
    header = ("benchmark", "ours", "unit", "peer", "peer value", "ours/peer", "note")
    table = [header] + [(r.benchmark, _fmt(r.ours), r.unit, r.peer_name or "-", _fmt(r.peer), _fmt(r.ratio), r.note)
                        for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print(" | ".join(str(cell).ljust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
