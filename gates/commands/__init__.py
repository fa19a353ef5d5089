"""Subcommands of the ``secure-ai-gates`` CLI: one module each, listed in :mod:`gates.cli`."""
