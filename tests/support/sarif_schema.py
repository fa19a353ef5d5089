"""The SARIF 2.1.0 JSON schema, obtained offline from the npm registry.

``@microsoft/sarif-matcher-utils`` (MIT) ships ``sarif-2.1.0-rtm.5.json`` (the schema
SchemaStore publishes for SARIF 2.1.0). ``npm pack`` fetches it once into ``.cache/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

PACKAGE = "@microsoft/sarif-matcher-utils@1.0.0-beta.0"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "sarif"


def sarif_schema() -> dict[str, Any]:
    """Load the schema, fetching the npm package on first use (raises if npm cannot)."""
    target = CACHE / "sarif-2.1.0-rtm.5.json"
    if not target.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to fetch the SARIF schema")
        CACHE.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([npm, "pack", PACKAGE, "--silent"], cwd=CACHE, capture_output=True, text=True,
                             timeout=180, check=True)
        tarball = CACHE / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(MEMBER)
            assert member is not None
            target.write_bytes(member.read())
        tarball.unlink()
    schema: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return schema
