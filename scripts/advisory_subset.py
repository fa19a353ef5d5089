"""Copy the PyPA advisories that concern the packages pinned in requirements/action.txt.

The project's own CI dogfoods the dependencies gate offline on GitHub, where the full snapshot
(../shared/data/pypa-advisory-db, 14 MB) does not exist. This keeps a small subset in
requirements/advisory-db: every advisory of every package the image pins, copied unchanged
(CC-BY-4.0). ``tests/test_project_files.py`` checks it still equals this filter of the snapshot.

    python scripts/advisory_subset.py [--db ../shared/data/pypa-advisory-db]
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "requirements" / "action.txt"
SUBSET = ROOT / "requirements" / "advisory-db"


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_names(pins: Path = PINS) -> set[str]:
    """Canonical names of the packages pinned with == in ``pins``."""
    names = set()
    for line in pins.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line.strip())
        if match:
            names.add(canonical(match.group(1)))
    return names


def wanted(db: Path, names: set[str]) -> dict[str, Path]:
    """Relative path -> source file of every advisory of ``names`` in ``db``."""
    out: dict[str, Path] = {}
    for folder in sorted((db / "vulns").iterdir()):
        if folder.is_dir() and canonical(folder.name) in names:
            for file in sorted(folder.iterdir()):
                if file.is_file():
                    out[f"vulns/{folder.name}/{file.name}"] = file
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT.parent / "shared" / "data" / "pypa-advisory-db")
    args = parser.parse_args()
    files = wanted(args.db, pinned_names())
    shutil.rmtree(SUBSET / "vulns", ignore_errors=True)
    for relative, source in files.items():
        target = SUBSET / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    shutil.copyfile(args.db / "LICENSE", SUBSET / "LICENSE")
    print(f"copied {len(files)} advisories of {len(pinned_names())} pinned packages into {SUBSET}")


if __name__ == "__main__":
    main()
