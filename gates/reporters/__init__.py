"""Reporters: each reads a :class:`~gates.model.RunResult` and produces one kind of output."""

from gates.reporters.base import Reporter, ReportEnv, default_reporters

__all__ = ["Reporter", "ReportEnv", "default_reporters"]
