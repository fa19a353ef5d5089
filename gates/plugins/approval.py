"""Gate ``approval``: A human with authority approved."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class ApprovalGate(UnavailableGate):
    """A human with authority approved."""

    name = "approval"
    title = "Approval"
    tool = "approval"
