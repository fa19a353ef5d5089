"""Review standings, label appliers, role ranking and path globs: GitHub's semantics, no HTTP."""

from __future__ import annotations

import pytest

from gates.github.access import Team, role_of
from gates.github.approvals import glob_match, sensitive
from gates.github.reviews import label_applier, standings
from gates.plugins.approval import DEFAULT_SENSITIVE_PATHS
from tests.support.github_api import objects

REPO = "octo-org/ml-service"


def _review(login: str | None, state: str, at: str, commit: str = "a" * 40) -> dict:
    return objects.review(REPO, 1, login, state, commit, at)


@pytest.mark.parametrize(("states", "expected"), [
    (["APPROVED"], "APPROVED"),
    (["APPROVED", "COMMENTED"], "APPROVED"),
    (["CHANGES_REQUESTED", "COMMENTED", "COMMENTED"], "CHANGES_REQUESTED"),
    (["CHANGES_REQUESTED", "APPROVED"], "APPROVED"),
    (["APPROVED", "CHANGES_REQUESTED"], "CHANGES_REQUESTED"),
    (["APPROVED", "DISMISSED"], "DISMISSED"),
    (["APPROVED", "DISMISSED", "COMMENTED"], "DISMISSED"),
    (["COMMENTED"], "COMMENTED"),
    (["COMMENTED", "APPROVED", "PENDING"], "APPROVED"),
])
def test_latest_decisive_review_wins(states: list[str], expected: str) -> None:
    reviews = [_review("rita", s, f"2026-11-20T10:0{i}:00Z") for i, s in enumerate(states)]
    (standing,) = standings(reviews).values()
    assert standing.state == expected and standing.reviews == sum(s != "PENDING" for s in states)


def test_standing_keeps_the_commit_of_the_deciding_review() -> None:
    reviews = [_review("rita", "APPROVED", "2026-11-20T10:00:00Z", commit="a" * 40),
               _review("rita", "COMMENTED", "2026-11-20T11:00:00Z", commit="b" * 40)]
    standing = standings(reviews)["rita"]
    assert standing.commit_id == "a" * 40 and standing.on_commit("a" * 40) and not standing.on_commit("b" * 40)


def test_deleted_accounts_and_pending_drafts_have_no_standing() -> None:
    assert standings([_review(None, "APPROVED", "2026-11-20T10:00:00Z"),
                      _review("raj", "PENDING", "2026-11-20T10:00:00Z")]) == {}


def test_label_applier_follows_labeled_and_unlabeled() -> None:
    events = [objects.issue_event(REPO, "mia", "labeled", "2026-11-20T10:00:00Z", "Security-Approved"),
              objects.issue_event(REPO, "mia", "unlabeled", "2026-11-20T10:05:00Z", "security-approved"),
              objects.issue_event(REPO, "sam", "labeled", "2026-11-20T10:09:00Z", "needs-work"),
              objects.issue_event(REPO, "rita", "labeled", "2026-11-20T10:10:00Z", "security-approved")]
    applied = label_applier(events, "security-approved")
    assert applied is not None and applied.actor == "rita" and applied.created_at == "2026-11-20T10:10:00Z"
    assert label_applier(events[:2], "security-approved") is None
    assert label_applier(events[:1], "SECURITY-APPROVED").actor == "mia"


@pytest.mark.parametrize(("role", "expected"), [("admin", "admin"), ("maintain", "maintain"), ("write", "write"),
                                                 ("triage", "triage"), ("read", "read")])
def test_role_of_every_base_role(role: str, expected: str) -> None:
    assert role_of(objects.collaborator_permission("u", role)) == expected


def test_custom_role_ranks_by_its_base_permissions() -> None:
    answer = objects.collaborator_permission("u", "write")
    answer["role_name"] = "ml-release-manager"  # a custom repository role based on write
    assert role_of(answer) == "write"
    answer["user"]["permissions"] = {"pull": True, "push": False, "admin": False}
    assert role_of(answer) == "read"


def test_team_parsing() -> None:
    assert Team.parse("@octo-org/security", "x") == Team("octo-org", "security")
    assert Team.parse("security", "octo-org") == Team("octo-org", "security")
    assert str(Team.parse("a/b", "x")) == "a/b"


@pytest.mark.parametrize(("path", "pattern", "expected"), [
    (".github/workflows/ci.yml", ".github/workflows/**", True),
    (".github/workflows/sub/ci.yml", ".github/workflows/**", True),
    (".github/ci.yml", ".github/workflows/**", False),
    ("models/model.lock", "model.lock", True),
    ("models/v2/x.model.lock", "*.model.lock", True),
    ("src/app.py", "src/*.py", True),
    ("src/pkg/app.py", "src/*.py", False),
    ("src/pkg/app.py", "src/**/*.py", True),
    ("src/app.py", "src/**/*.py", True),
    ("data/train.manifest.json", "*.manifest.json", True),
    ("data/manifest.json.bak", "*.manifest.json", False),
])
def test_glob_match(path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected


def test_default_sensitive_paths() -> None:
    files = [".github/workflows/deploy.yml", ".github/secure-ai-gates.yml", "CODEOWNERS", "models/model.lock",
             "data/eval.manifest.json", "models/model.safetensors.sig", "security/waivers.yaml",
             "eval/perf-baseline.json", "src/app.py", "README.md", "models/model.safetensors"]
    assert sensitive(files, DEFAULT_SENSITIVE_PATHS) == files[:8]
