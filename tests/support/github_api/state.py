"""In-memory repository state and the default route handlers that serve it."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.support.github_api import objects
from tests.support.github_api.server import ApiCore, ApiRequest, Reply


def now() -> str:
    """The current time as GitHub writes it."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_found() -> Reply:
    return Reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest",
                       "status": "404"})


@dataclass
class GitHubState:
    """Everything the default handlers serve; repository keys are ``owner/name`` lower-cased.

    ``actor`` is the login shown as creator of check runs, statuses and deployments.
    """

    pulls: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    reviews: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    files: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    issue_events: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[tuple[str, str], str] = field(default_factory=dict)
    teams: dict[tuple[str, str], dict[str, tuple[str, str]]] = field(default_factory=lambda: defaultdict(dict))
    check_runs: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    annotations: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    commit_statuses: list[dict[str, Any]] = field(default_factory=list)
    deployments: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    deployment_statuses: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    sarif_uploads: list[dict[str, Any]] = field(default_factory=list)
    actor: str = "github-actions[bot]"

    # -- set-up helpers -----------------------------------------------------------------------
    def add_pull(self, repo: str, pull: dict[str, Any]) -> dict[str, Any]:
        """Serve ``pull`` (e.g. an event payload's ``pull_request``) for pulls/get."""
        self.pulls[(repo.lower(), int(pull["number"]))] = pull
        return pull

    def add_review(self, repo: str, number: int, login: str | None, state: str, commit_id: str,
                   submitted_at: str = "2026-11-20T10:00:00Z", **extra: Any) -> dict[str, Any]:
        """Append a review (in submission order, as GitHub lists them)."""
        item = objects.review(repo, number, login, state, commit_id, submitted_at, **extra)
        self.reviews[(repo.lower(), number)].append(item)
        return item

    def add_files(self, repo: str, number: int, *filenames: str) -> None:
        """Append changed files to a pull request."""
        self.files[(repo.lower(), number)].extend(objects.pull_file(repo, name) for name in filenames)

    def add_label_event(self, repo: str, number: int, actor: str, label: str, event: str = "labeled",
                        created_at: str = "2026-11-20T11:00:00Z") -> None:
        """Record who applied (``labeled``) or removed (``unlabeled``) a label."""
        self.issue_events[(repo.lower(), number)].append(
            objects.issue_event(repo, actor, event, created_at, label))

    def set_role(self, repo: str, login: str, role: str) -> None:
        """The collaborator role of ``login``: admin, maintain, write, triage, read or none."""
        self.roles[(repo.lower(), login.lower())] = role

    def add_team_member(self, org: str, team: str, login: str, role: str = "member",
                        state: str = "active") -> None:
        """Make ``login`` a member of ``org/team`` (``state="pending"`` for an invitation)."""
        self.teams[(org.lower(), team.lower())][login.lower()] = (role, state)


def _repo(req: ApiRequest) -> str:
    return f"{req.path_params['owner']}/{req.path_params['repo']}".lower()


def register_default_routes(api: ApiCore, state: GitHubState) -> None:
    """Serve every operation the project uses from ``state``."""

    def pull_list(store: dict[tuple[str, int], list[dict[str, Any]]]):
        def handler(req: ApiRequest) -> Reply:
            key = (_repo(req), req.path_params["pull_number"])
            return Reply(200, list(store.get(key, []))) if key in state.pulls else _not_found()
        return handler

    def get_pull(req: ApiRequest) -> Reply:
        pull = state.pulls.get((_repo(req), req.path_params["pull_number"]))
        return Reply(200, pull) if pull else _not_found()

    def issue_events(req: ApiRequest) -> Reply:
        key = (_repo(req), req.path_params["issue_number"])
        return Reply(200, list(state.issue_events.get(key, []))) if key in state.pulls else _not_found()

    def labels(req: ApiRequest) -> Reply:
        pull = state.pulls.get((_repo(req), req.path_params["issue_number"]))
        return Reply(200, list(pull.get("labels", []))) if pull else _not_found()

    def permission(req: ApiRequest) -> Reply:
        login = req.path_params["username"]
        role = state.roles.get((_repo(req), login.lower()))
        if role is None:
            return Reply(404, {"message": f"{login} is not a user", "status": "404",
                               "documentation_url": "https://docs.github.com/rest"})
        return Reply(200, objects.collaborator_permission(login, role))

    def membership(req: ApiRequest) -> Reply:
        org, team, login = (req.path_params[k] for k in ("org", "team_slug", "username"))
        found = state.teams.get((org.lower(), team.lower()), {}).get(login.lower())
        if found is None:
            return _not_found()
        return Reply(200, objects.team_membership(org, team, login, *found))

    def create_check(req: ApiRequest) -> Reply:
        run_id = objects.next_id()
        return _save_check(req, run_id, dict(req.body), 201)

    def update_check(req: ApiRequest) -> Reply:
        key = (_repo(req), req.path_params["check_run_id"])
        if key not in state.check_runs:
            return _not_found()
        merged = state.check_runs[key]["_request"] | req.body
        merged["output"] = {**state.check_runs[key]["_request"].get("output", {}), **req.body.get("output", {})}
        return _save_check(req, key[1], merged, 200)

    def _save_check(req: ApiRequest, run_id: int, body: dict[str, Any], status: int) -> Reply:
        key = (_repo(req), run_id)
        state.annotations[key].extend(objects.annotation(key[0], body["head_sha"], a)
                                      for a in (req.body.get("output") or {}).get("annotations", []))
        run = objects.check_run(key[0], run_id, body, len(state.annotations[key]), now())
        state.check_runs[key] = {**run, "_request": body}
        return Reply(status, run)

    def get_check(req: ApiRequest) -> Reply:
        run = state.check_runs.get((_repo(req), req.path_params["check_run_id"]))
        return Reply(200, {k: v for k, v in run.items() if k != "_request"}) if run else _not_found()

    def list_for_ref(req: ApiRequest) -> Reply:
        repo, ref = _repo(req), req.path_params["ref"]
        runs = [{k: v for k, v in run.items() if k != "_request"} for (r, _), run in state.check_runs.items()
                if r == repo and run["head_sha"] == ref]
        for name, field_name in (("check_name", "name"), ("status", "status")):
            if req.query.get(name):
                runs = [run for run in runs if run[field_name] == req.query[name]]
        runs.sort(key=lambda run: -run["id"])
        return Reply(200, {"total_count": len(runs), "check_runs": runs}, page_key="check_runs")

    def list_annotations(req: ApiRequest) -> Reply:
        key = (_repo(req), req.path_params["check_run_id"])
        return Reply(200, list(state.annotations[key])) if key in state.check_runs else _not_found()

    def commit_status(req: ApiRequest) -> Reply:
        item = objects.commit_status(_repo(req), req.path_params["sha"], objects.next_id(), req.body,
                                     state.actor, now())
        state.commit_statuses.append(item)
        return Reply(201, item)

    def create_deployment(req: ApiRequest) -> Reply:
        dep = objects.deployment(_repo(req), objects.next_id(), req.body, state.actor, now())
        state.deployments[(_repo(req), dep["id"])] = dep
        return Reply(201, dep)

    def list_deployments(req: ApiRequest) -> Reply:
        repo = _repo(req)
        deps = [d for (r, _), d in state.deployments.items() if r == repo]
        for name in ("sha", "ref", "task", "environment"):
            if req.query.get(name):
                deps = [d for d in deps if d.get(name) == req.query[name]]
        return Reply(200, sorted(deps, key=lambda d: -d["id"]))

    def create_deployment_status(req: ApiRequest) -> Reply:
        key = (_repo(req), req.path_params["deployment_id"])
        if key not in state.deployments:
            return _not_found()
        item = objects.deployment_status(key[0], key[1], objects.next_id(), req.body, state.actor, now())
        state.deployment_statuses[key].insert(0, item)
        return Reply(201, item)

    def list_deployment_statuses(req: ApiRequest) -> Reply:
        key = (_repo(req), req.path_params["deployment_id"])
        return Reply(200, list(state.deployment_statuses[key])) if key in state.deployments else _not_found()

    def upload_sarif(req: ApiRequest) -> Reply:
        upload_id = f"47177e22-5596-11eb-80a1-{objects.next_id():012d}"
        state.sarif_uploads.append({"id": upload_id, **req.body})
        return Reply(202, {"id": upload_id,
                           "url": f"{objects.API}/repos/{_repo(req)}/code-scanning/sarifs/{upload_id}"})

    for key, handler in {
        "pulls/get": get_pull, "pulls/list-reviews": pull_list(state.reviews),
        "pulls/list-files": pull_list(state.files), "issues/list-events": issue_events,
        "issues/list-labels-on-issue": labels, "repos/get-collaborator-permission-level": permission,
        "teams/get-membership-for-user-in-org": membership, "checks/create": create_check,
        "checks/update": update_check, "checks/get": get_check, "checks/list-annotations": list_annotations,
        "checks/list-for-ref": list_for_ref,
        "repos/create-commit-status": commit_status, "repos/create-deployment": create_deployment,
        "repos/list-deployments": list_deployments, "repos/create-deployment-status": create_deployment_status,
        "repos/list-deployment-statuses": list_deployment_statuses, "code-scanning/upload-sarif": upload_sarif,
    }.items():
        api.route(key, handler)
