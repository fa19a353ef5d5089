"""Builders of GitHub API objects shaped as the OpenAPI description says (the server checks).

Each function fills every field the description marks required, with the values github.com
sends (URLs included), so tests only name what matters: a login, a state, a commit.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

API = "https://api.github.com"
WEB = "https://github.com"
_ids = itertools.count(1000)


def next_id() -> int:
    """A fresh positive id."""
    return next(_ids)


def user_id(login: str) -> int:
    """A stable id for a login (GitHub ids are stable per account)."""
    return int(hashlib.sha256(login.encode()).hexdigest()[:7], 16)


def user(login: str, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user`` object."""
    url = f"{API}/users/{login}"
    uid = user_id(login)
    return {
        "login": login, "id": uid, "node_id": f"MDQ6VXNlcj{uid}", "type": kind, "site_admin": False,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
        "url": url, "html_url": f"{WEB}/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "user_view_type": "public",
    }


def label(name: str, color: str = "d73a4a", description: str | None = None) -> dict[str, Any]:
    """A ``label`` object as listed on an issue or pull request."""
    lid = user_id("label:" + name)
    return {"id": lid, "node_id": f"LA_kwDO{lid}", "url": f"{API}/repos/labels/{name}", "name": name,
            "description": description, "color": color, "default": False}


def review(repo: str, number: int, login: str | None, state: str, commit_id: str,
           submitted_at: str, body: str = "", association: str = "MEMBER") -> dict[str, Any]:
    """A ``pull-request-review``; ``login=None`` is a deleted account (``user: null``)."""
    rid = next_id()
    html = f"{WEB}/{repo}/pull/{number}#pullrequestreview-{rid}"
    pull_url = f"{API}/repos/{repo}/pulls/{number}"
    out = {"id": rid, "node_id": f"PRR_kwDO{rid}", "user": user(login) if login else None, "body": body,
           "state": state, "html_url": html, "pull_request_url": pull_url, "commit_id": commit_id,
           "author_association": association,
           "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}}}
    if state != "PENDING":
        out["submitted_at"] = submitted_at
    return out


def pull_file(repo: str, filename: str, status: str = "modified", previous: str | None = None,
              changes: int = 3) -> dict[str, Any]:
    """A ``diff-entry`` as listed by ``pulls/list-files``."""
    sha = hashlib.sha1(filename.encode()).hexdigest()
    out = {"sha": sha, "filename": filename, "status": status, "additions": changes, "deletions": 0,
           "changes": changes, "blob_url": f"{WEB}/{repo}/blob/{sha}/{filename}",
           "raw_url": f"{WEB}/{repo}/raw/{sha}/{filename}",
           "contents_url": f"{API}/repos/{repo}/contents/{filename}?ref={sha}", "patch": "@@ -1 +1 @@"}
    if previous:
        out["previous_filename"] = previous
    return out


def issue_event(repo: str, actor: str, event: str, created_at: str, label_name: str | None = None) -> dict[str, Any]:
    """An ``issue-event`` (``labeled``/``unlabeled`` carry a label) as listed by ``issues/list-events``."""
    eid = next_id()
    out: dict[str, Any] = {"id": eid, "node_id": f"LE_lADO{eid}", "url": f"{API}/repos/{repo}/issues/events/{eid}",
                           "actor": user(actor), "event": event, "commit_id": None, "commit_url": None,
                           "created_at": created_at, "performed_via_github_app": None}
    if label_name is not None:
        out["label"] = {"name": label_name, "color": "d73a4a"}
    return out


ROLE_TO_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read",
                      "read": "read", "none": "none"}


def collaborator_permission(login: str, role: str) -> dict[str, Any]:
    """A ``repository-collaborator-permission``: legacy ``permission`` plus ``role_name``."""
    order = ["read", "triage", "write", "maintain", "admin"]
    rank = order.index(role) if role in order else -1
    collaborator = user(login) | {
        "role_name": role,
        "permissions": {"pull": rank >= 0, "triage": rank >= 1, "push": rank >= 2,
                        "maintain": rank >= 3, "admin": rank >= 4}}
    return {"permission": ROLE_TO_PERMISSION.get(role, "none"), "role_name": role, "user": collaborator}


def team_membership(org: str, team: str, login: str, role: str = "member", state: str = "active") -> dict[str, Any]:
    """A ``team-membership`` object."""
    return {"url": f"{API}/organizations/1/team/{user_id(org + '/' + team)}/memberships/{login}",
            "role": role, "state": state}


def check_run(repo: str, run_id: int, body: dict[str, Any], annotations_count: int, created: str) -> dict[str, Any]:
    """A ``check-run`` built from the create/update request body."""
    output = body.get("output") or {}
    status = "completed" if body.get("conclusion") else body.get("status", "queued")
    app_owner = user("github", "Organization")
    return {
        "id": run_id, "node_id": f"CR_kwDO{run_id}", "head_sha": body["head_sha"], "name": body["name"],
        "external_id": body.get("external_id", ""), "url": f"{API}/repos/{repo}/check-runs/{run_id}",
        "html_url": f"{WEB}/{repo}/runs/{run_id}", "details_url": body.get("details_url"),
        "status": status, "conclusion": body.get("conclusion"), "started_at": body.get("started_at", created),
        "completed_at": body.get("completed_at") if status == "completed" else None,
        "output": {"title": output.get("title"), "summary": output.get("summary"), "text": output.get("text"),
                   "annotations_count": annotations_count,
                   "annotations_url": f"{API}/repos/{repo}/check-runs/{run_id}/annotations"},
        "check_suite": {"id": user_id(repo + body["head_sha"])},
        "app": {"id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=", "owner": app_owner,
                "name": "GitHub Actions", "description": "Automate your workflow from idea to production",
                "external_url": "https://help.github.com/en/actions", "html_url": f"{WEB}/apps/github-actions",
                "created_at": "2018-07-30T09:30:17Z", "updated_at": "2024-04-10T20:33:16Z",
                "permissions": {"checks": "write", "pull_requests": "write"}, "events": ["check_run"]},
        "pull_requests": [],
    }


def annotation(repo: str, sha: str, item: dict[str, Any]) -> dict[str, Any]:
    """A ``check-annotation`` as listed by ``checks/list-annotations``."""
    return {"path": item["path"], "blob_href": f"{WEB}/{repo}/blob/{sha}/{item['path']}",
            "start_line": item["start_line"], "end_line": item["end_line"],
            "start_column": item.get("start_column"), "end_column": item.get("end_column"),
            "annotation_level": item.get("annotation_level"), "title": item.get("title"),
            "message": item.get("message"), "raw_details": item.get("raw_details")}


def deployment(repo: str, dep_id: int, body: dict[str, Any], creator: str, created: str) -> dict[str, Any]:
    """A ``deployment`` built from the create request body."""
    url = f"{API}/repos/{repo}/deployments/{dep_id}"
    return {"id": dep_id, "node_id": f"DE_kwDO{dep_id}", "sha": hashlib.sha1(body["ref"].encode()).hexdigest(),
            "ref": body["ref"], "task": body.get("task", "deploy"), "payload": body.get("payload", {}),
            "environment": body.get("environment", "production"), "description": body.get("description"),
            "creator": user(creator), "statuses_url": f"{url}/statuses", "repository_url": f"{API}/repos/{repo}",
            "url": url, "created_at": created, "updated_at": created,
            "transient_environment": body.get("transient_environment", False),
            "production_environment": body.get("production_environment", True)}


def deployment_status(repo: str, dep_id: int, status_id: int, body: dict[str, Any], creator: str,
                      created: str) -> dict[str, Any]:
    """A ``deployment-status`` built from the create request body."""
    dep_url = f"{API}/repos/{repo}/deployments/{dep_id}"
    out = {"id": status_id, "node_id": f"DES_kwDO{status_id}", "state": body["state"], "creator": user(creator),
           "description": body.get("description", ""), "environment": body.get("environment", "production"),
           "target_url": body.get("target_url") or body.get("log_url") or f"{WEB}/{repo}/deployments",
           "deployment_url": dep_url,
           "repository_url": f"{API}/repos/{repo}", "url": f"{dep_url}/statuses/{status_id}",
           "created_at": created, "updated_at": created}
    for optional in ("log_url", "environment_url"):  # uri-formatted: present only when given
        if body.get(optional):
            out[optional] = body[optional]
    return out


def commit_status(repo: str, sha: str, status_id: int, body: dict[str, Any], creator: str,
                  created: str) -> dict[str, Any]:
    """A ``status`` built from the create request body."""
    return {"url": f"{API}/repos/{repo}/statuses/{sha}", "avatar_url": None, "id": status_id,
            "node_id": f"SC_kwDO{status_id}", "state": body["state"], "description": body.get("description"),
            "target_url": body.get("target_url"), "context": body.get("context", "default"),
            "created_at": created, "updated_at": created, "creator": user(creator)}
