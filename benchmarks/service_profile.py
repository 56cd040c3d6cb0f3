"""Where a customer-360 request's time goes: the app in-process, its CPU split by layer.

Sends ``--requests`` 360 requests for random customers through the ASGI app in this
process (httpx's ASGI transport: no sockets, no uvicorn) against the database that
``benchmarks/service_load.py`` loaded, and prints the process CPU per request. Run it
under py-spy (GIL-holding samples only, so waits on PostgreSQL do not count) and give
the samples back to ``--breakdown`` for the split by layer::

    py-spy record --gil --rate 200 --format raw -o /tmp/360.raw -- \\
        python benchmarks/service_profile.py --requests 800
    python benchmarks/service_profile.py --breakdown /tmp/360.raw

The database side: ``pg_stat_statements`` (when the server preloads it) or
``EXPLAIN (ANALYZE, BUFFERS)`` of the statements, printed by ``--explain``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

# Layers, first match wins (a sample is counted once, in its innermost listed layer).
LAYERS = [
    ("token check (SQL + ORM)", ("user_for_token",)),
    ("360: Python assembly", ("assemble_360",)),
    ("360 (token path): pipelined SQL (psycopg)", ("customer_360_for_token",)),
    (
        "360: SQL round trips (SQLAlchemy + psycopg)",
        ("Session.execute", "Connection.execute", "Session.commit", "latest_scores", "record_now"),
    ),
    ("360: Python assembly", ("customer_360 (patron/collect/customer_view",)),
    (
        "response: model validation + JSON",
        ("serialize_response", "_prepare_response_content", "JSONResponse", "jsonable_encoder"),
    ),
    ("FastAPI dependencies + params", ("solve_dependencies",)),
    (
        "thread pool hand-off",
        ("run_sync_in_worker_thread", "WorkerThread", "run_in_threadpool", "Condition.notify"),
    ),
    ("routing + middleware (Starlette/FastAPI)", ("Starlette.__call__", "FastAPI.__call__")),
    ("in-process test client (httpx, not the server)", ("httpx/",)),
    ("other", ("",)),
]


def breakdown(raw: Path) -> None:
    """Share of GIL-holding samples per layer, for the request path only."""
    samples: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _sep, count = line.rpartition(" ")
        if "send_requests (" not in stack and "WorkerThread" not in stack:
            continue  # start-up: imports, app building
        total += int(count)
        for name, keys in LAYERS:
            if any(key in stack for key in keys):
                samples[name] += int(count)
                break
    for name, count in samples.most_common():
        print(f"  {count / total:6.1%}  {name}")
    print(f"  ({total} samples holding the GIL)")


async def send_requests(app, token: str, n: int, n_customers: int) -> None:  # type: ignore[no-untyped-def]
    import httpx

    rng = random.Random(5)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        for _ in range(50):  # warm: connections, prepared statements
            r = await client.get(
                f"/api/customers/C{rng.randint(1, n_customers):07d}/360", headers=headers
            )
            r.raise_for_status()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            r = await client.get(
                f"/api/customers/C{rng.randint(1, n_customers):07d}/360", headers=headers
            )
            r.raise_for_status()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{n} requests in-process: CPU {cpu / n * 1000:.2f} ms per request (this process: app, "
        f"driver and the in-process client), wall {wall / n * 1000:.2f} ms; "
        f"load {'/'.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )


def explain(url: str, customer_id: str) -> None:
    import psycopg

    from patron.collect.customer_view_token import _read_params, _statements

    names = ["customer", "preferences", "important dates", "timeline + statistics", "scores"]
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        for name, (sql, _constants), params in zip(
            names, _statements(), _read_params(customer_id, 50), strict=True
        ):
            print(f"--- {name} ---")
            for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params):
                print(line)
        conn.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--breakdown", type=Path, help="py-spy raw samples to split by layer")
    parser.add_argument("--explain", metavar="CUSTOMER_ID", help="EXPLAIN ANALYZE the 360 reads")
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:55432/patron_bench_service",
        help="the database service_load.py loaded",
    )
    args = parser.parse_args()
    if args.breakdown:
        breakdown(args.breakdown)
        return
    if args.explain:
        explain(args.database_url, args.explain)
        return
    os.environ["PATRON_DATABASE_URL"] = args.database_url
    import sqlalchemy as sa

    from patron.collect import users
    from patron.collect.store.db import session_scope
    from patron.collect.workspace_setup import init_workspace
    from patron.serve.app import create_app

    workspace = init_workspace(Path(tempfile.mkdtemp(prefix="patron-profile-")) / "ws")
    with session_scope(args.database_url) as session:
        n_customers = session.scalar(sa.text("SELECT count(*) FROM customers"))
        session.execute(sa.text("DELETE FROM api_tokens WHERE name = 'profile'"))
        if session.scalar(sa.text("SELECT count(*) FROM users WHERE username = 'bench'")) == 0:
            users.create_user(
                session, users.SYSTEM, username="bench", password="load test pass 7", role="agent"
            )
    with session_scope(args.database_url) as session:
        token = users.create_api_token(session, users.SYSTEM, "bench", "profile")
    asyncio.run(send_requests(create_app(workspace), token, args.requests, n_customers))


if __name__ == "__main__":
    main()
