"""Schemathesis over /openapi.json: generated requests never produce a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import seed_guest

EXAMPLES_PER_OPERATION = 12


def fuzz(operation, headers: dict[str, str], statuses: list[int], failures: list[str]) -> None:
    """Send bounded, reproducible generated requests to one operation; record 5xx answers."""
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers={**headers, **(case.headers or {})})
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} {response.text[:300]}")

    run()


@pytest.mark.slow
def test_openapi_fuzz_finds_no_server_error(service) -> None:
    seed_guest(service)
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
    statuses: list[int] = []
    failures: list[str] = []
    for operation in operations:
        fuzz(operation, service.auth("admin"), statuses, failures)
    assert failures == []
    # The fuzzing reached the handlers (not only the validation layer).
    assert len(statuses) >= 5 * len(operations)
    assert any(200 <= code < 300 for code in statuses)
