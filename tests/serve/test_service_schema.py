"""Schemathesis over /openapi.json: generated requests never produce a server error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import seed_guest, serve_live

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


SCHEMATHESIS_CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.slow
def test_openapi_all_checks_find_no_failure(sqlite_service, tmp_path) -> None:
    """``st run --checks all`` (coverage, fuzzing and stateful phases) finds 0 failures.

    Issue 12 found 54: 405 without ``Allow``, undocumented 400s for unparsable bodies,
    valid requests refused. What the run may still answer with 4xx, and why, is in
    ``schemathesis.toml`` beside this file.
    """
    seed_guest(sqlite_service)
    token = sqlite_service.tokens["admin"]
    with serve_live(sqlite_service.client.app) as base:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(SCHEMATHESIS_CONFIG),
                "--no-color",
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                "10",
                "--generation-deterministic",
                "--report-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-6000:]
    assert "failure" not in summary, summary
