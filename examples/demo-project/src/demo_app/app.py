"""The demo app's entry point: validate, prompt, ask, check."""

from __future__ import annotations

import argparse
import sys

from demo_app.client import ModelClient, ModelError
from demo_app.config import Settings
from demo_app.prompts import SYSTEM_PROMPT, build_messages
from demo_app.validation import InvalidQuestion, validate_question

MAX_REPLY_CHARS = 2000


def ask(question: str, client: ModelClient) -> str:
    """The model's answer to a validated ``question``; never echoes the system prompt."""
    clean = validate_question(question, client.settings.max_question_chars)
    reply = client.complete(build_messages(clean))
    if SYSTEM_PROMPT[:40] in reply:
        return "Sorry, I cannot share that."
    return reply[:MAX_REPLY_CHARS]


def main(argv: list[str] | None = None) -> int:
    """``python -m demo_app QUESTION``: print the answer; exit 2 on a bad question, 3 when the model fails."""
    parser = argparse.ArgumentParser(prog="demo_app", description=__doc__)
    parser.add_argument("question")
    args = parser.parse_args(argv)
    client = ModelClient(Settings.from_environ())
    try:
        print(ask(args.question, client))
    except InvalidQuestion as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0
