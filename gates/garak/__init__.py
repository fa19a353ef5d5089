"""Running NVIDIA garak against the endpoint and judging its report (the adversarial gate)."""

from gates.garak.assess import Assessment, assess, findings
from gates.garak.engine import INSTALL_HINT, Catalogue, RunSettings, garak_version, list_probes, run_garak
from gates.garak.policy import Judge, Policy, Rule, Verdict, wilson_interval
from gates.garak.report import EvalRecord, GarakReport, Hit, read_report
from gates.garak.target import generator_options, json_path

__all__ = [
    "Assessment", "assess", "findings", "INSTALL_HINT", "Catalogue", "RunSettings", "garak_version",
    "list_probes", "run_garak", "Judge", "Policy", "Rule", "Verdict", "wilson_interval", "EvalRecord",
    "GarakReport", "Hit", "read_report", "generator_options", "json_path",
]
