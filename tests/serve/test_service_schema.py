"""Schemathesis over /openapi.json: generated requests never produce a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import seed_guest

EXAMPLES_PER_OPERATION = 12


@pytest.mark.slow
def test_openapi_fuzz_finds_no_server_error(service) -> None:
    seed_guest(service)
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.client.app)
    headers = service.auth("admin")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case, operation=operation) -> None:
            response = case.call(headers={**headers, **(case.headers or {})})
            if response.status_code >= 500:
                failures.append(
                    f"{operation.method.upper()} {operation.path}: {response.status_code} {response.text[:300]}"
                )

        run()
    assert failures == []
