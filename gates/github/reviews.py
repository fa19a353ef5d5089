"""What GitHub's reviews and issue events mean: each reviewer's standing, who applied a label.

A reviewer's standing is their latest *decisive* review, as branch protection reads it:
``APPROVED``, ``CHANGES_REQUESTED`` and ``DISMISSED`` replace what came before; ``COMMENTED``
does not override an earlier approval or change request (it only stands when nothing else
does); ``PENDING`` reviews are drafts and never count. Reviews of deleted accounts
(``user: null``) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DECISIVE = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


@dataclass(frozen=True)
class Standing:
    """One reviewer's current position on a pull request."""

    login: str
    state: str  # APPROVED | CHANGES_REQUESTED | DISMISSED | COMMENTED
    commit_id: str | None  # the commit the deciding review was submitted on
    review_id: int | None
    submitted_at: str | None
    reviews: int  # how many reviews this person submitted

    def on_commit(self, sha: str | None) -> bool:
        """True when the deciding review was made on ``sha`` (the commit under test)."""
        return bool(sha) and self.commit_id == sha


def standings(reviews: Iterable[Mapping[str, Any]]) -> dict[str, Standing]:
    """Each reviewer's standing, keyed by login, from reviews in the order GitHub lists them."""
    ordered = sorted(enumerate(reviews), key=lambda pair: (str(pair[1].get("submitted_at") or ""), pair[0]))
    out: dict[str, Standing] = {}
    counts: dict[str, int] = {}
    for _, review in ordered:
        user = review.get("user")
        state = str(review.get("state") or "").upper()
        if not isinstance(user, Mapping) or not user.get("login") or state in ("", "PENDING"):
            continue
        login = str(user["login"])
        counts[login] = counts.get(login, 0) + 1
        current = out.get(login)
        if state in DECISIVE or current is None or current.state not in DECISIVE:
            out[login] = Standing(login, state, review.get("commit_id"), review.get("id"),
                                  review.get("submitted_at"), counts[login])
        else:
            out[login] = Standing(current.login, current.state, current.commit_id, current.review_id,
                                  current.submitted_at, counts[login])
    return out


@dataclass(frozen=True)
class LabelApplication:
    """Who last applied a label, and when."""

    label: str
    actor: str | None  # None when the event's actor is a deleted account
    created_at: str | None


def label_applier(events: Iterable[Mapping[str, Any]], label: str) -> LabelApplication | None:
    """The last ``labeled`` event for ``label`` still in force (not followed by ``unlabeled``)."""
    found: LabelApplication | None = None
    wanted = label.casefold()
    for event in events:
        name = str((event.get("label") or {}).get("name") or "")
        if name.casefold() != wanted:
            continue
        if event.get("event") == "labeled":
            actor = event.get("actor")
            login = str(actor["login"]) if isinstance(actor, Mapping) and actor.get("login") else None
            found = LabelApplication(name, login, event.get("created_at"))
        elif event.get("event") == "unlabeled":
            found = None
    return found
