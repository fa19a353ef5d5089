"""Poetry's constraint syntax as PEP 440 specifiers (Poetry's documented equivalents)."""

from __future__ import annotations

import pytest

from gates.osv.poetry_constraints import poetry_requirements, to_specifier


@pytest.mark.parametrize("constraint, specifier", [
    ("^1.2.3", ">=1.2.3,<2"), ("^0.2", ">=0.2,<0.3"), ("^0.0.3", ">=0.0.3,<0.0.4"), ("^0", ">=0,<1"),
    ("~1.2.3", ">=1.2.3,<1.3"), ("~1", ">=1,<2"), ("2.10", "==2.10"), ("1.2.*", "==1.2.*"),
    (">= 1.0, < 2.0", ">=1.0,<2.0"), ("~=1.4", "~=1.4"), ("*", ""), ("^1.0 || ^2.0", None), ("latest", None),
])
def test_constraints(constraint: str, specifier: str | None) -> None:
    assert to_specifier(constraint) == specifier


def test_tables_of_a_poetry_project() -> None:
    data = {"tool": {"poetry": {
        "dependencies": {"python": "^3.11", "jinja2": "2.10", "torch": {"version": "^2.1", "optional": True},
                         "mylib": {"git": "https://example.invalid/mylib.git"}, "either": [{"version": "1"}]},
        "group": {"dev": {"dependencies": {"pytest": "^8"}}}}}}
    got = [(str(req), absent) for req, absent in poetry_requirements(data)]
    assert got == [("jinja2==2.10", False), ("torch<3,>=2.1", True), ("pytest<9,>=8", False)]
