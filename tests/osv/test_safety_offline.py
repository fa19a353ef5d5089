"""safety without its service, with the real safety (3.x, installed with the test extra).

safety 3 connects to Safety's platform as soon as its command line starts, even with a local
database (``--db``, ``SAFETY_DB_DIR``): offline it dies with a 6 KB traceback. The gate says so
before anything runs (exit 3, one sentence), and when safety runs and fails anyway (a key is
set, the network is not there) the error is safety's last line, not its traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gates import proc
from gates.osv import safety
from tests.commands.test_cli import run_cli
from tests.osv.support import ASSET_DB, hashed

pytest.importorskip("safety", reason="safety is installed with the test extra: pip install -e '.[test]'")

DB = {"$meta": {"advisory": "test", "timestamp": 1700000000, "last_updated": "2023-11-14 00:00:00",
                "base_domain": "https://pyup.io", "schema_version": "2.0.0"}}


def _safety_db(directory: Path) -> Path:
    """A local database in pyupio/safety-db's layout (the one safety 2 could read offline)."""
    directory.mkdir()
    (directory / "insecure.json").write_text(json.dumps({**DB, "jinja2": ["<2.10.1"]}), encoding="utf-8")
    full = {**DB, "jinja2": [{"advisory": "Sandbox escape.", "cve": "CVE-2019-10906", "id": "pyup.io-37001",
                              "specs": ["<2.10.1"], "v": "<2.10.1"}]}
    (directory / "insecure_full.json").write_text(json.dumps(full), encoding="utf-8")
    return directory


def test_safety_without_its_service_is_refused_before_anything_runs(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "requirements.txt").write_text(hashed("jinja2==2.10"), encoding="utf-8")
    db = _safety_db(tmp_path / "safety-db")
    config = tmp_path / "gates.yml"
    config.write_text(f"version: 1\ngates:\n  dependencies:\n    advisory-db: {ASSET_DB}\n    safety: true\n"
                      f"    safety-db: {db}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SAFETY_API_KEY"}
    done = run_cli(["run", "--config", str(config), "--workspace", str(workspace), "--gates", "dependencies",
                    "--report-dir", str(tmp_path / "report")], env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert f"safety {safety.version()} cannot run offline" in output and "$SAFETY_API_KEY" in output
    assert "Traceback" not in output and len(output) < 3000, output
    assert "auditing requirements.txt" not in output  # pip-audit never started


def test_real_safety_failing_offline_gives_one_line(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("jinja2==2.10\n", encoding="utf-8")
    # a key, and a proxy on a closed loopback port: the network is unreachable here and on any runner
    args = proc.python_tool("safety") + ["--proxy-protocol", "http", "--proxy-host", "127.0.0.1", "--proxy-port", "9",
                                         "check", "-r", str(requirements), "--db", str(_safety_db(tmp_path / "db")),
                                         "--output", "json"]
    done = proc.run(args, timeout=120, env={"SAFETY_API_KEY": "test-key-not-real"}, ok_codes=range(256),
                    tool="safety")
    assert done.returncode not in (0, 64) and "Traceback" in done.stderr and len(done.stderr) > 4000
    message = str(safety.failure("requirements.txt", done))
    assert "Connection refused" in message and "requirements.txt" in message, message
    assert "Traceback" not in message and 'File "' not in message and len(message) < 500, message
