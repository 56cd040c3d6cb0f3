"""Campaigns: consent and frequency caps, a random and stable control group, sending to the
treated only, outcomes per member and uplift on planted effects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from act_factories import AS_OF, add_customers
from scipy import stats

from patron.act import campaigns
from patron.act.campaigns import assign_groups, control_draw
from patron.collect.store.db import open_store
from patron.collect.store.models import ActionSend, CampaignMember, Customer, Order
from patron.exceptions import InputError

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def test_control_group_is_random_balanced_and_stable() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "spend": rng.gamma(2.0, 300.0, n),
            "country": rng.choice(["TH", "CN", "US", "DE"], n),
        }
    )
    groups = assign_groups("spring", customers["customer_id"], 0.1)
    share = (groups == "control").mean()
    assert abs(share - 0.1) < 3 * np.sqrt(0.1 * 0.9 / n)  # within 3 standard errors
    # Independent of customer attributes: same spend and country mix in both groups.
    spend = stats.ttest_ind(
        customers["spend"][groups == "control"],
        customers["spend"][groups == "treatment"],
        equal_var=False,
    )
    table = pd.crosstab(groups, customers["country"])
    assert spend.pvalue > 0.01
    assert stats.chi2_contingency(table).pvalue > 0.01
    # Consecutive ids do not cluster: runs of the group sequence look random.
    draws = np.array([control_draw("spring", c) for c in customers["customer_id"]])
    assert abs(np.corrcoef(draws[:-1], draws[1:])[0, 1]) < 0.03
    assert stats.kstest(draws, "uniform").pvalue > 0.01
    # Stable: the same campaign and customer always give the same group …
    assert assign_groups("spring", customers["customer_id"], 0.1).equals(groups)
    # … and another campaign (or seed) draws afresh.
    other = assign_groups("autumn", customers["customer_id"], 0.1)
    both = ((groups == "control") & (other == "control")).mean()
    assert abs(both - 0.01) < 0.004
    assert not assign_groups("spring", customers["customer_id"], 0.1, seed="x").equals(groups)


def _audience(n: int) -> list[dict]:
    rng = np.random.default_rng(5)
    return [
        {
            "customer_id": f"A{i:04d}",
            "name": f"Guest {i}",
            "email": f"a{i}@example.com",
            "consent_email": i % 10 != 0,  # every tenth opted out
            "orders": [(AS_OF - dt.timedelta(days=int(rng.integers(400, 900))), 500.0)],
        }
        for i in range(n)
    ]


def test_campaign_honours_consent_caps_and_sends_to_treated_only(
    sqlite_workspace, smtp_env
) -> None:
    url = sqlite_workspace.database_url
    keys = add_customers(url, _audience(200))
    capped = [keys[f"A{i:04d}"] for i in range(1, 200, 7) if i % 10 != 0]
    with open_store(url).begin() as conn:
        conn.execute(
            sa.insert(ActionSend),
            [
                {
                    "dedupe_key": f"old:{pk}",
                    "customer_pk": pk,
                    "channel": "email",
                    "run_date": AS_OF - dt.timedelta(days=2),
                    "status": "sent",
                    "attempts": 1,
                }
                for pk in capped
            ],
        )
    campaigns.create_campaign(
        sqlite_workspace,
        "winback",
        name="Win back",
        segment={"when": [{"field": "days_since_last_order", "op": ">=", "value": 365}]},
        action={"channel": "email", "template": "campaign"},
        control_share=0.2,
        max_contacts=1,
        period_days=7,
    )
    with pytest.raises(InputError, match="campaign winback already exists"):
        campaigns.create_campaign(sqlite_workspace, "winback")
    with pytest.raises(InputError, match=r"rule bad: when\[0\] \(nope\): unknown field nope"):
        campaigns.create_campaign(
            sqlite_workspace, "bad", segment={"when": [{"field": "nope", "op": "==", "value": 1}]}
        )

    result = campaigns.assign(sqlite_workspace, "winback", AS_OF)
    assert result.segment == 200
    assert result.excluded_no_consent == 20
    assert result.excluded_frequency_cap == len(capped)
    members = result.treatment + result.control
    assert members == 200 - 20 - len(capped)
    assert 0.1 < result.control / members < 0.3
    # Assigning again keeps everyone's group and adds nobody.
    again = campaigns.assign(sqlite_workspace, "winback", AS_OF)
    assert (again.already_members, again.treatment, again.control) == (members, 0, 0)

    dry = campaigns.send(sqlite_workspace, "winback", AS_OF, dry_run=True, now=START)
    assert dry.planned == result.treatment and not smtp_env.messages
    sent = campaigns.send(sqlite_workspace, "winback", AS_OF, now=START)
    assert sent.sent == result.treatment
    with open_store(url).connect() as conn:
        groups = dict(
            conn.execute(
                sa.select(Customer.email, CampaignMember.group).join(
                    CampaignMember, CampaignMember.customer_pk == Customer.id
                )
            ).all()
        )
    recipients = {m["To"].split("<")[1].rstrip(">") for m in smtp_env.messages}
    assert recipients == {email for email, group in groups.items() if group == "treatment"}
    assert not any(groups.get(email) is None for email in recipients)
    # Sending again contacts nobody twice.
    assert campaigns.send(sqlite_workspace, "winback", AS_OF, now=START).sent == 0
    assert len(smtp_env.messages) == result.treatment


def test_scheduled_campaign_waits(sqlite_workspace) -> None:
    add_customers(sqlite_workspace.database_url, _audience(5))
    campaigns.create_campaign(sqlite_workspace, "later", scheduled_at=dt.datetime(2026, 12, 1, 9))
    campaigns.assign(sqlite_workspace, "later", AS_OF)
    with pytest.raises(InputError, match="campaign later is scheduled for 2026-12-01T09:00:00"):
        campaigns.send(sqlite_workspace, "later", AS_OF, now=START)


def _simulate(workspace, code: str, *, p_control: float, p_treated: float, n: int, seed: int):
    """A campaign on ``n`` lapsed customers whose later orders follow planted rates."""
    url = workspace.database_url
    rng = np.random.default_rng(seed)
    people = [
        {
            "customer_id": f"{code}-{i:05d}",
            "name": f"G{i}",
            "consent_email": True,
            "email": f"{code}{i}@example.com",
        }
        for i in range(n)
    ]
    keys = add_customers(url, people)
    campaigns.create_campaign(
        workspace,
        code,
        segment={"when": [{"field": "customer_id", "op": "contains", "value": code}]},
        action={"channel": "list"},
        control_share=0.5,
        window_days=90,
    )
    campaigns.assign(workspace, code, AS_OF)
    with open_store(url).connect() as conn:
        groups = dict(
            conn.execute(sa.select(CampaignMember.customer_pk, CampaignMember.group)).all()
        )
    orders = []
    for cid, pk in keys.items():
        p = p_treated if groups[pk] == "treatment" else p_control
        if rng.random() < p:
            day = START + dt.timedelta(days=float(rng.uniform(1, 85)))
            orders.append(
                {
                    "order_id": f"O-{cid}",
                    "content_hash": f"h-{cid}",
                    "customer_pk": pk,
                    "ordered_at": day,
                    "amount": float(rng.gamma(2.0, 60.0)),
                }
            )
        # Orders outside the window do not count.
        if rng.random() < 0.3:
            orders.append(
                {
                    "order_id": f"L-{cid}",
                    "content_hash": f"l-{cid}",
                    "customer_pk": pk,
                    "ordered_at": START + dt.timedelta(days=120),
                    "amount": 999.0,
                }
            )
    with open_store(url).begin() as conn:
        conn.execute(sa.insert(Order), orders)
    return campaigns.uplift(workspace, code, started_at=START)


def test_uplift_recovers_a_planted_effect_and_says_when_there_is_none(sqlite_workspace) -> None:
    planted = _simulate(sqlite_workspace, "gift", p_control=0.20, p_treated=0.32, n=1600, seed=2)
    r = planted.results_["retained"]
    assert r["lower"] < 0.12 < r["upper"] and r["lower"] > 0
    assert planted.detectable("retained") and planted.detectable("spend")
    spend = planted.results_["spend"]
    # Planted spend effect: 0.12 more buyers × 120 mean order = +14.4 per member.
    assert spend["lower"] < 14.4 < spend["upper"]
    assert planted.verdict("retained").startswith("treated +")

    null = _simulate(sqlite_workspace, "null", p_control=0.25, p_treated=0.25, n=1600, seed=3)
    assert null.verdict("retained") == "no detectable effect"
    assert null.verdict("spend") == "no detectable effect"
    assert "no detectable effect" in null.summary["verdict"].tolist()

    outcomes = campaigns.outcomes(sqlite_workspace, "gift", started_at=START)
    assert len(outcomes) == 1600
    assert set(outcomes.columns) >= {"responded", "retained", "spend", "next_purchase_at"}
    assert outcomes["spend"].max() < 999.0  # the late orders fell outside the window
    with open_store(sqlite_workspace.database_url).connect() as conn:
        saved = conn.execute(sa.select(CampaignMember.outcome).limit(1)).scalar()
    assert set(saved) >= {"responded", "retained", "spend", "next_purchase_at"}
    spec = planted.chart().to_dict()
    assert spec["facet"]["row"]["field"] == "metric"


def test_daily_run_sends_scheduled_campaigns_when_due(sqlite_workspace) -> None:
    from patron.act import daily

    add_customers(sqlite_workspace.database_url, _audience(20))
    campaigns.create_campaign(
        sqlite_workspace,
        "nov",
        action={"channel": "list"},
        control_share=0.25,
        scheduled_at=dt.datetime(2026, 11, 3, 8, 0),
    )
    assigned = campaigns.assign(sqlite_workspace, "nov", AS_OF)
    before = daily.run(sqlite_workspace, dt.date(2026, 11, 2), rules=[])
    assert before.sent == 0
    due = daily.run(sqlite_workspace, dt.date(2026, 11, 3), rules=[])
    assert due.sent == assigned.treatment
    assert {s["rule"] for s in due.sends} == {"campaign:nov"}
    assert daily.run(sqlite_workspace, dt.date(2026, 11, 4), rules=[]).sent == 0
    assert campaigns.get_campaign(sqlite_workspace, "nov")["status"] == "sent"
