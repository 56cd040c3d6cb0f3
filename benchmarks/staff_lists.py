"""How fast the staff lists answer on PostgreSQL with a million customers (library calls).

Loads ``--customers`` customers (names in both scripts, e-mail, phone, city, tags) and
``--complaints`` complaints into a PostgreSQL database with server-side INSERT … SELECT,
then times :func:`patron.collect.staff_lists.page` for the queries staff run all day:
the first page, a deep page, sorted by date, search by a Latin or Chinese name, phone,
e-mail or id, a city and a tag filter, and the complaint queue. Each query runs
``--repeat`` times, interleaved; p50, p95 and max are printed in milliseconds.

The peer is the naive way the lists worked before: the exact ``count(*)`` over every
matching row beside the page query (the component counts no further than 10 000). Both
return the same page; the ratio of their p95 is printed. The web server adds its own
time on top (``benchmarks/service_load.py`` drives the pages over HTTP).

Example::

    eval "$(bash .ci/postgres.sh)"
    .venv/bin/python benchmarks/staff_lists.py --customers 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import sqlalchemy as sa

from patron.collect import listing, staff_lists
from patron.collect.roles import SYSTEM
from patron.collect.store.db import session_factory, upgrade_store

SURNAMES = [
    "Chen",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
]
SURNAMES_ZH = [
    "陈",
    "王",
    "李",
    "张",
    "刘",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "高",
    "罗",
]
GIVEN = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Li",
    "Qiang",
    "Lei",
    "Jun",
    "Yang",
    "Yong",
    "Yan",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Xiu",
    "Xia",
    "Ping",
    "Gang",
]
GIVEN_ZH = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
]
CITIES = ["Shanghai", "Beijing", "Hangzhou", "Xi'an", "Chengdu", "Shenzhen", "Wuhan", "Nanjing"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def load(url: str, customers: int, complaints: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as con:
        have = con.execute(sa.text("SELECT count(*) FROM customers")).scalar()
        if have >= customers:
            print(f"store already holds {have:,} customers", flush=True)
            return
        con.execute(sa.text("TRUNCATE customers, complaints, customer_tags CASCADE"))
        started = time.perf_counter()
        con.execute(
            sa.text(
                f"""
            INSERT INTO customers (customer_id, name, name_zh, email, phone, city, version,
                consent_email, consent_sms, consent_phone, consent_analytics,
                created_at, updated_at)
            SELECT 'C' || lpad(g::text, 8, '0'),
                   ({_array(SURNAMES)})[1 + g % 20] || ' ' || ({_array(GIVEN)})[1 + (g / 20) % 20]
                       || ' ' || (g % 997)::text,
                   ({_array(SURNAMES_ZH)})[1 + g % 20] || ({_array(GIVEN_ZH)})[1 + (g / 20) % 20],
                   'guest' || g || '@example.cn',
                   '+86 1' || lpad(((g::bigint * 7919) % 1000000000)::text, 10, '0'),
                   ({_array(CITIES)})[1 + (g / 400) % 8],
                   1, false, false, false, true,
                   now() - (g % 3650) * interval '1 day', now()
            FROM generate_series(1, :n) AS g
            """
            ),
            {"n": customers},
        )
        con.execute(
            sa.text(
                "INSERT INTO customer_tags (customer_pk, tag) "
                "SELECT id, 'VIP' FROM customers "
                "WHERE ('x' || substr(md5(id::text), 1, 7))::bit(28)::int % 200 = 0"
            )
        )
        con.execute(
            sa.text(
                """
            INSERT INTO complaints (content_hash, customer_pk, opened_at, severity, status,
                category, description, sla_due_at, escalation_level, version,
                created_at, updated_at)
            SELECT md5(g::text), (SELECT min(id) FROM customers) + (g * 7) % :c, now() - (g % 90) * interval '1 day',
                   (ARRAY['low','medium','high','critical'])[1 + g % 4],
                   (ARRAY['open','assigned','resolved','closed'])[1 + g % 4],
                   (ARRAY['room','food','noise','billing'])[1 + g % 4],
                   'complaint ' || g, now() + ((g % 200) - 100) * interval '1 hour',
                   0, 1, now(), now()
            FROM generate_series(1, :n) AS g
            """
            ),
            {"n": complaints, "c": customers},
        )
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        con.execute(sa.text("VACUUM ANALYZE customers"))
        con.execute(sa.text("VACUUM ANALYZE complaints"))
        con.execute(sa.text("VACUUM ANALYZE customer_tags"))


QUERIES = {
    "customers: first page": ("customers", {}),
    "customers: page 200": ("customers", {"page": "200", "size": "50"}),
    "customers: newest first": ("customers", {"sort": "-created"}),
    "customers: search 'chen wei'": ("customers", {"q": "chen wei 42"}),
    "customers: search 陈伟": ("customers", {"q": "陈伟"}),
    "customers: search phone": ("customers", {"q": "138 0001"}),
    "customers: search e-mail": ("customers", {"q": "guest4242@"}),
    "customers: search id": ("customers", {"q": "C00424242"}),
    "customers: city Xi'an": ("customers", {"city": "Xi'an"}),
    "customers: tag VIP": ("customers", {"tag": "VIP"}),
    "complaints: queue": ("complaints", {}),
    "complaints: high, past SLA": ("complaints", {"severity": "high", "breached": "yes"}),
}


def naive_page(session, name: str, query: listing.ListQuery) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    """The peer: an exact count of every matching row beside the same page query."""
    spec = staff_lists.LISTS[name]
    filtered = spec.select().where(*listing.conditions(spec.spec, query))
    total = session.scalar(sa.select(sa.func.count()).select_from(filtered.subquery()))
    rows = session.execute(
        listing.ordered(spec.spec, query, filtered)
        .limit(query.size)
        .offset((query.page - 1) * query.size)
    ).all()
    return int(total), [spec.row(r) for r in rows]


def _ids(items: list) -> list[int]:  # type: ignore[type-arg]
    return [r["id"] if isinstance(r, dict) else r.id for r in items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default="patron_bench_lists",
        help="database on PATRON_TEST_POSTGRES_URL's server (created when missing)",
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    base = os.environ.get("PATRON_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit('set PATRON_TEST_POSTGRES_URL (eval "$(bash .ci/postgres.sh)")')
    if not args.database.replace("_", "").isalnum():
        raise SystemExit(f"--database: {args.database!r} is not a plain database name")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        if not con.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": args.database}
        ).scalar():
            con.execute(sa.text(f'CREATE DATABASE "{args.database}"'))
    url = base.rsplit("/", 1)[0] + "/" + args.database
    upgrade_store(url)
    load(url, args.customers, args.complaints)
    session = session_factory(url)()
    timings: dict[str, dict[str, list[float]]] = {q: {"patron": [], "naive": []} for q in QUERIES}
    for _ in range(args.repeat):
        for label, (name, params) in QUERIES.items():
            query = listing.parse_query(staff_lists.LISTS[name].spec, params)
            t0 = time.perf_counter()
            found = listing.fetch_page(
                session,
                staff_lists.LISTS[name].spec,
                query,
                staff_lists.LISTS[name].select(),
                row=staff_lists.LISTS[name].row,
            )
            t1 = time.perf_counter()
            total, rows = naive_page(session, name, query)
            t2 = time.perf_counter()
            session.rollback()
            assert _ids(found.items) == _ids(rows), f"{label}: the pages differ"
            assert found.total == min(total, listing.COUNT_LIMIT), label
            timings[label]["patron"].append((t1 - t0) * 1000)
            timings[label]["naive"].append((t2 - t1) * 1000)
    staff_lists.page(
        session, SYSTEM, "customers", listing.parse_query(staff_lists.CUSTOMERS.spec, {})
    )  # the audited path works too
    print(
        f"\n{args.customers:,} customers, {args.complaints:,} complaints, "
        f"{args.repeat} runs each (ms)"
    )
    print(f"{'query':34} {'p50':>7} {'p95':>7} {'max':>7} | {'naive p95':>9} {'ratio':>6}")
    for label, t in timings.items():
        p = sorted(t["patron"])
        n = sorted(t["naive"])
        p95 = p[int(0.95 * (len(p) - 1))]
        n95 = n[int(0.95 * (len(n) - 1))]
        print(
            f"{label:34} {statistics.median(p):7.1f} {p95:7.1f} {p[-1]:7.1f} | "
            f"{n95:9.1f} {n95 / p95:6.1f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\npeak memory of this process {peak:.0f} MB; load average {os.getloadavg()}; "
        f"{os.cpu_count()} CPUs (shared machine)"
    )


if __name__ == "__main__":
    main()
