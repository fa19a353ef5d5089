"""Reporters: each reads a :class:`~gates.model.RunResult` and produces one kind of output."""

from gates.reporters.base import ReportEnv, Reporter, default_reporters

__all__ = ["Reporter", "ReportEnv", "default_reporters"]
