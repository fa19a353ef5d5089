"""The one retry delay every retrying client uses."""

from __future__ import annotations

import pytest

from gates.backoff import retry_delay


@pytest.mark.parametrize(("attempt", "expected"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0), (30, 4.0)])
def test_exponential_and_capped(attempt: int, expected: float) -> None:
    assert retry_delay(attempt, base_s=0.5, cap_s=4.0) == expected


def test_the_server_can_only_lengthen_the_wait_and_only_up_to_its_cap() -> None:
    assert retry_delay(1, base_s=0.5, cap_s=4.0, retry_after_s=3.0) == 3.0
    assert retry_delay(4, base_s=0.5, cap_s=4.0, retry_after_s=1.0) == 4.0
    assert retry_delay(1, base_s=0.5, retry_after_s=3600.0, max_retry_after_s=60.0) == 60.0
    assert retry_delay(1, base_s=0.5, retry_after_s=-5.0) == 0.5
