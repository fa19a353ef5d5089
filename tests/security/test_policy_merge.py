"""merge_policies: the head's config applies only where it is stricter; every change is listed."""

from __future__ import annotations

from typing import Any

import pytest

from gates.config.policy import merge_policies
from gates.model import Severity
from gates.plugins.registry import gate_class

BASE: dict[str, Any] = {
    "version": 1,
    "gates": {"code-security": {"paths": ["src"], "fail-on": "high"}, "adversarial": False,
              "data-integrity": {"manifest": "data.sha256", "trust": "base-branch"}},
    "waivers": [{"id": "B101", "reason": "asserts", "owner": "me", "expires": "2099-01-01"}],
}


def merge(head: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bool]]:
    effective, changes = merge_policies(BASE, head, lambda n: gate_class(n).default_fail_on)
    return effective, {c.key: c.applied for c in changes}


def with_gate(name: str, section: Any) -> dict[str, Any]:
    return {**BASE, "gates": {**BASE["gates"], name: section}}


def test_unchanged_config_has_no_changes() -> None:
    effective, changes = merge(BASE)
    assert changes == {} and effective["gates"]["adversarial"] == {"enabled": False}


@pytest.mark.parametrize("head, key", [
    (with_gate("code-security", {"paths": ["src"], "fail-on": "critical"}), "gates.code-security.fail-on"),
    (with_gate("code-security", False), "gates.code-security.enabled"),
    (with_gate("code-security", {"paths": ["src"], "fail-on": "high", "exclude": ["src/x"]}),
     "gates.code-security.exclude"),
    (with_gate("code-security", {"paths": ["lib"], "fail-on": "high"}), "gates.code-security.paths"),
    (with_gate("data-integrity", {"manifest": "data.sha256", "trust": "working-tree"}), "gates.data-integrity.trust"),
    (with_gate("data-integrity", {"manifest": "data.sha256", "trust": "base-branch", "base-ref": "HEAD"}),
     "gates.data-integrity.base-ref"),
    ({**BASE, "fail-on": "critical"}, "fail-on"),
    ({**BASE, "endpoint": {"url": "http://evil.example"}}, "endpoint"),
])
def test_loosening_or_neutral_changes_are_listed_not_applied(head: dict[str, Any], key: str) -> None:
    effective, changes = merge(head)
    assert changes.get(key) is False, changes
    assert effective["gates"]["code-security"] == BASE["gates"]["code-security"]
    assert effective.get("fail-on") is None and "endpoint" not in effective


def test_removing_sections_or_everything_keeps_the_base() -> None:
    effective, changes = merge({})
    assert {k for k, applied in changes.items() if applied} == {"gates.adversarial.enabled", "waivers"}
    assert effective["gates"]["adversarial"] == {}  # un-disabling a gate is stricter: it runs
    assert effective["gates"]["code-security"] == {"paths": ["src"], "fail-on": "high"}
    assert effective["waivers"] == [] and changes["waivers"] is True  # dropping a waiver is stricter


def test_new_waiver_waits_for_merge_and_removed_one_applies() -> None:
    new = {"id": "B602", "reason": "mine", "owner": "mallory", "expires": "2099-01-01"}
    effective, changes = merge({**BASE, "waivers": [*BASE["waivers"], new]})
    assert effective["waivers"] == BASE["waivers"] and changes == {"waivers.1": False}


def test_tightenings_apply() -> None:
    head = with_gate("code-security", {"paths": ["src", "lib"], "fail-on": "medium", "pylint": True})
    head["gates"]["adversarial"] = True
    effective, changes = merge(head)
    assert all(changes.values()) and len(changes) == 4, changes
    assert effective["gates"]["code-security"] == {"paths": ["src", "lib"], "fail-on": "medium", "pylint": True}
    assert effective["gates"]["adversarial"] == {"enabled": True}


def test_top_level_fail_on_applies_only_when_stricter_than_every_gate() -> None:
    effective, changes = merge({**BASE, "fail-on": "info"})
    assert changes == {"fail-on": True} and effective["fail-on"] == "info"
    assert Severity.INFO.at_least(Severity.INFO)
    effective, changes = merge({**BASE, "fail-on": "medium"})  # looser than the low default of other gates
    assert changes == {"fail-on": False} and "fail-on" not in effective
