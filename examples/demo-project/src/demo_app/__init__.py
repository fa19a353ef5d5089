"""The demo AI app: answers questions about capital cities and arithmetic through a model server.

    python -m demo_app "What is the capital of France?"

The app validates the question, builds a chat prompt that keeps the user's text apart from
the instructions, calls the model server's OpenAI-compatible endpoint with a timeout, and
checks the reply before showing it. It is written to pass the code-security gate cleanly.
"""

from demo_app.app import ask
from demo_app.client import ModelClient, ModelError
from demo_app.config import Settings
from demo_app.validation import InvalidQuestion, validate_question

__all__ = ["InvalidQuestion", "ModelClient", "ModelError", "Settings", "ask", "validate_question"]
