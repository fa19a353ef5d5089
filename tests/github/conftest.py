"""Fixtures of the GitHub client tests: the local GitHub API server."""

from tests.support.github_api import github_api  # noqa: F401 - re-exported pytest fixture
