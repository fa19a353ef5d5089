"""code-security's ML rules and notebooks on a pull request that tries to weaken them: real git, real bandit.

The change loads a checkpoint with ``torch.load`` (bandit B614, raised to high by the gate) or
downloads an unpinned Hugging Face model (B615), and tries to keep the gate from blocking it:
through the workspace's gate config, a bandit config file, a ``# nosec``, an IPython magic that
hides a notebook cell, or a ``git mv`` / copy of a file whose finding is on the base commit.
None may pass; the honest controls (a rename only, an old finding left alone) must.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.codescan.support import notebook
from tests.security.gate_trust_repo import PullRequest, Verdict

CONFIG = "version: 1\ngates:\n  code-security:\n    paths: [src]\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"
LOAD = "import torch\n\n\ndef restore(ckpt_path):\n    return torch.load(ckpt_path){comment}\n"
DOWNLOAD = "from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained(\"gpt2\")\n"


def _run(tmp_path: Path, head: dict, base: dict | None = None) -> Verdict:
    base = {".github/secure-ai-gates.yml": CONFIG, "src/app.py": CLEAN, **(base or {})}
    return PullRequest.make(tmp_path, base, head).run(tmp_path, "code-security")


def _blocked(verdict: Verdict, rule: str, path: str | None = None) -> None:
    assert verdict.code == 1, verdict.output
    findings = [f for f in verdict.gate("code-security")["findings"] if f["rule_id"] == rule
                and not f.get("suppression") and (path is None or f["path"] == path)]
    assert findings, verdict.gate("code-security")["findings"]
    assert rule.startswith("W") or findings[0]["severity"] == "high", findings[0]


WEAKENINGS = {  # each alone would hide the findings if it worked: one change tries them all
    ".github/secure-ai-gates.yml": CONFIG + "    skip: [B614, B615]\n    fail-on: critical\n"
                                   "    exclude: [src/train.py, src/hub.py]\n    pylint: false\n",
    ".bandit": "[bandit]\nskips = B614,B615\n",
    "src/.bandit": "[bandit]\nskips = B614,B615\n",
    "pyproject.toml": "[tool.bandit]\nskips = [\"B614\", \"B615\"]\n",
    "src/train.py": LOAD.format(comment="  # nosec B614"),
    "src/hub.py": DOWNLOAD.replace('"gpt2")', '"gpt2")  # nosec'),
}


def test_ml_rules_cannot_be_turned_off_by_the_change(tmp_path: Path) -> None:
    verdict = _run(tmp_path, WEAKENINGS)
    _blocked(verdict, "B614", "src/train.py")
    _blocked(verdict, "B615", "src/hub.py")
    assert "suppression-added" in verdict.rules("code-security")


def test_control_the_same_config_on_the_base_commit_is_honoured(tmp_path: Path) -> None:
    base = {name: text for name, text in WEAKENINGS.items() if not name.startswith("src/")}
    verdict = _run(tmp_path, {"src/train.py": LOAD.format(comment=""), "src/hub.py": DOWNLOAD}, base=base)
    assert verdict.code == 0, verdict.output


HIDING_CELLS = (
    "%%capture\nimport torch\nmodel = torch.load('model.pt')\n",  # a cell magic that runs Python
    "%%time\nimport torch\nmodel = torch.load('model.pt')\n",
    "import torch\n%time model = torch.load('model.pt')\n",  # a line magic that runs its argument
    "import torch\n%timeit -n 1 -r 1 torch.load('model.pt')\n",
    "import torch\nm = torch.load('model.pt')  # nosec\n",
)


def test_an_ipython_magic_or_nosec_does_not_hide_a_notebook_cell(tmp_path: Path) -> None:
    head = {f"src/nb{i}.ipynb": notebook("import os\n", cell) for i, cell in enumerate(HIDING_CELLS)}
    head["src/setup.ipynb"] = notebook("%%bash\nrm -rf build && make\n", "x = 1\n")  # a shell cell is no Python
    verdict = _run(tmp_path, head)
    for name in head:
        if name != "src/setup.ipynb":
            _blocked(verdict, "B614", name)
    loads = [f for f in verdict.gate("code-security")["findings"] if f["rule_id"] == "B614"]
    assert all(f["message"].startswith("cell 2, line ") for f in loads), loads
    assert not [f for f in verdict.gate("code-security")["findings"] if f["path"] == "src/setup.ipynb"]
    assert "suppression-added" in verdict.rules("code-security")


OLD = {"src/old.py": LOAD.format(comment=""), "src/old.ipynb": notebook("import torch\nm = torch.load('w.pt')\n")}


def test_control_renamed_files_keep_their_old_findings_baselined(tmp_path: Path) -> None:
    verdict = _run(tmp_path, {"src/old.py": None, "src/renamed.py": OLD["src/old.py"],
                              "src/old.ipynb": None, "src/renamed.ipynb": OLD["src/old.ipynb"]}, base=OLD)
    assert verdict.code == 0, verdict.output


@pytest.mark.parametrize("head", [
    # renamed, and a second load of the same shape added: the count of that fingerprint grows; a notebook
    # renamed with a new cell that loads another checkpoint
    {"src/old.py": None, "src/renamed.py": LOAD.format(comment="") + "\n\ndef again(ckpt_path):\n"
                                                                     "    return torch.load(ckpt_path)\n",
     "src/old.ipynb": None,
     "src/renamed.ipynb": notebook("import torch\nm = torch.load('w.pt')\n", "n = torch.load('other.pt')\n")},
    # copied, not moved: the old finding now stands twice
    {"src/copy.py": LOAD.format(comment="")},
])
def test_a_move_does_not_launder_a_new_finding(tmp_path: Path, head: dict) -> None:
    verdict = _run(tmp_path, head, base=OLD)
    _blocked(verdict, "B614")


def test_pylint_sees_notebook_cells_and_a_disable_the_change_adds_is_not_honoured(tmp_path: Path) -> None:
    config = CONFIG + "    pylint: true\n    fail-on: medium\n"
    verdict = _run(tmp_path, {"src/calc.ipynb": notebook("x = 1\n", "def calc(expr):\n"
                                                         "    return eval(expr)  # pylint: disable=eval-used\n")},
                   base={".github/secure-ai-gates.yml": config})
    _blocked(verdict, "W0123", "src/calc.ipynb")
    (finding,) = [f for f in verdict.gate("code-security")["findings"] if f["rule_id"] == "W0123"]
    assert finding["message"].startswith("cell 2, line 2: ") and finding["severity"] == "medium", finding
