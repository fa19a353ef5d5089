"""Run garak as a subprocess (through :mod:`gates.proc`) with everything under a scratch dir.

garak writes its log, cache and configuration under the XDG directories; we point them into
the gate's work dir so nothing lands in the user's home, and set the Hugging Face / NLTK
variables that keep plugins offline. Reports go to ``<work>/reports/<prefix>.report.jsonl``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from gates import proc
from gates.errors import EngineMissing, GateError

INSTALL_HINT = "pip install 'secure-ai-gates[adversarial]'"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PROBE_LINE = re.compile(r"^probes:\s+([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?)(.*)$")
_PREFIX = "garak"


@dataclass(frozen=True)
class RunSettings:
    """How to run garak for one gate run."""

    probes: tuple[str, ...]
    generations: int = 1
    parallel: int = 1  # parallel attempts (prompts in flight); parallel requests when generations > 1
    prompt_cap: int = 20  # garak's soft_probe_prompt_cap: prompts per probe at most
    seed: int | None = 0


@dataclass(frozen=True)
class Catalogue:
    """Probe names the installed garak knows: classes, modules, and which classes are active."""

    classes: frozenset[str]
    active: frozenset[str]

    def knows(self, name: str) -> bool:
        """True for a known ``module`` or ``module.Class``."""
        return name in self.classes or any(c.startswith(name + ".") for c in self.classes)


def garak_version(module: str = "garak") -> str:
    """The installed garak version; GateError with the install hint when it is missing.

    garak is never imported here: importing it creates directories under the user's home and
    exports ``GARAK_LOG_FILE`` into our environment (and so into every later garak run).
    """
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise EngineMissing(module, "adversarial")
    try:
        return importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def environment(home: Path) -> dict[str, str]:
    """Variables that keep garak's files under ``home`` and its plugins offline.

    The paths are made absolute: the XDG specification (and garak) ignore relative ones and
    fall back to the user's home.
    """
    home = home.resolve()
    return {
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "GARAK_LOG_FILE": str(home / "data" / "garak" / "garak.log"),
        "HF_HOME": str(home / "hf"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "NLTK_DATA": str(home / "nltk"),
        "TQDM_DISABLE": "1",
        "NO_COLOR": "1",
    }


def _garak() -> list[str]:
    """``python -I -X utf8 -m garak``: isolated (nothing imported from the working directory), UTF-8 I/O."""
    return proc.python_tool("garak", flags=("-X", "utf8"))


def list_probes(home: Path, timeout: float) -> Catalogue:
    """Ask the installed garak for its probes (``--list_probes``)."""
    done = proc.run([*_garak(), "--list_probes"], timeout=timeout, env=environment(home),
                    tool="garak")
    classes: set[str] = set()
    active: set[str] = set()
    for raw in done.stdout.splitlines():
        match = _PROBE_LINE.match(_ANSI.sub("", raw).strip())
        if not match or "." not in match.group(1):
            continue
        classes.add(match.group(1))
        if "💤" not in match.group(2):
            active.add(match.group(1))
    if not classes:
        raise GateError("garak --list_probes listed no probes; is the garak installation complete? "
                        f"Reinstall with {INSTALL_HINT}")
    return Catalogue(frozenset(classes), frozenset(active))


def write_config(work: Path, settings: RunSettings) -> Path:
    """garak's run configuration: report dir inside ``work``, prompt cap, seed, parallelism."""
    config = {
        "system": {
            "parallel_attempts": settings.parallel if settings.parallel > 1 else False,
            "parallel_requests": settings.parallel if settings.parallel > 1 and settings.generations > 1 else False,
            "lite": True,
        },
        "run": {"generations": settings.generations, "soft_probe_prompt_cap": settings.prompt_cap,
                "seed": settings.seed},
        # 1000 resamples instead of garak's 10000: the 95 % bound moves by well under a point and
        # the interval no longer costs about a second per probe/detector pair
        "reporting": {"report_dir": str(work / "reports"), "bootstrap_num_iterations": 1000},
    }
    path = work / "garak-config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def command(work: Path, config: Path, generator_file: Path, settings: RunSettings) -> list[str]:
    """The garak command line for one run."""
    args = [*_garak(), "--config", str(config), "--target_type", "rest",
            "--generator_option_file", str(generator_file), "--spec",
            ",".join(f"probes.{p}" for p in settings.probes), "--generations", str(settings.generations),
            "--report_prefix", _PREFIX, "--narrow_output"]
    if settings.parallel > 1:
        args += ["--parallel_attempts", str(settings.parallel)]
        if settings.generations > 1:
            args += ["--parallel_requests", str(settings.parallel)]
    return args


def report_paths(work: Path) -> tuple[Path, Path]:
    """Where garak writes the report and the hit log for our prefix."""
    reports = work / "reports"
    return reports / f"{_PREFIX}.report.jsonl", reports / f"{_PREFIX}.hitlog.jsonl"


def run_garak(work: Path, generator_file: Path, settings: RunSettings, timeout: float,
              home: Path | None = None, pass_env: Sequence[str] = (),
              cancelled: threading.Event | None = None) -> proc.Completed:
    """Run garak; any exit status is accepted (the report is judged, not the status).

    ``pass_env`` names the endpoint's key variable, the only withheld variable garak may see.
    """
    config = write_config(work, settings)
    return proc.run(command(work, config, generator_file, settings), timeout=timeout, cwd=work,
                    env=environment(home or work / "home"), pass_env=pass_env, ok_codes=range(0, 256), tool="garak",
                    cancelled=cancelled)


def remove_scratch(work: Path, home: Path) -> None:
    """Delete garak's raw files (reports, log, cache, generator options with the system prompt)."""
    for directory in (work / "reports", home):
        shutil.rmtree(directory, ignore_errors=True)
    for name in ("garak-config.yaml", "garak-generator.json"):
        (work / name).unlink(missing_ok=True)


def unknown_probes(catalogue: Catalogue, probes: Sequence[str]) -> list[str]:
    """The requested names the installed garak does not have."""
    return [p for p in probes if not catalogue.knows(p)]


def keep_artifacts(work: Path, home: Path, destination: Path) -> list[Path]:
    """Copy garak's report, hit log, HTML digest and log into ``destination``; the copies made."""
    report, hitlog = report_paths(work)
    sources = [report, hitlog, report.with_suffix(".html"), home / "data" / "garak" / "garak.log"]
    kept: list[Path] = []
    for source in sources:
        if source.is_file():
            destination.mkdir(parents=True, exist_ok=True)
            kept.append(Path(shutil.copy2(source, destination / source.name)))
    return kept
