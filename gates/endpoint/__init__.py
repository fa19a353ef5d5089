"""The endpoint under test: HTTP client, target kinds, classified errors and the error budget."""

from gates.endpoint.budget import ErrorBudget
from gates.endpoint.client import EndpointClient, Reply
from gates.endpoint.errors import (
                                   EndpointBadBody,
                                   EndpointError,
                                   EndpointHTTPError,
                                   EndpointTimeout,
                                   EndpointUnreachable,
                                   ErrorBudgetExceeded,
)
from gates.endpoint.targets import TargetKind, accepts_system_prompt, openai_base_url, openai_chat_url, target_kind

__all__ = [
    "EndpointBadBody", "EndpointClient", "EndpointError", "EndpointHTTPError", "EndpointTimeout",
    "EndpointUnreachable", "ErrorBudget", "ErrorBudgetExceeded", "Reply", "TargetKind",
    "accepts_system_prompt", "openai_base_url", "openai_chat_url", "target_kind",
]
