"""The campaigns page and API: group sizes, uplift with intervals, "no detectable effect"."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import sqlalchemy as sa

from patron.act import campaigns
from patron.collect.store.db import open_store
from patron.collect.store.models import Campaign, CampaignMember, Customer, Order

from .conftest import PASSWORD

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 1)


def _campaign(workspace, code: str, *, p_control: float, p_treated: float, n: int, seed: int):
    """``n`` customers, half held out; later orders follow the planted rates (spend 100)."""
    url = workspace.database_url
    rng = np.random.default_rng(seed)
    with open_store(url).begin() as conn:
        conn.execute(
            sa.insert(Customer),
            [
                {"customer_id": f"{code}-{i:05d}", "name": f"G{i}", "consent_email": True}
                for i in range(n)
            ],
        )
    campaigns.create_campaign(
        workspace,
        code,
        name=f"Campaign <b>{code}</b>",
        segment={"when": [{"field": "customer_id", "op": "contains", "value": code}]},
        action={"channel": "list"},
        control_share=0.5,
        scheduled_at=START,
    )
    campaigns.assign(workspace, code, AS_OF)
    m, c = CampaignMember.__table__, Campaign.__table__
    with open_store(url).connect() as conn:
        groups = conn.execute(
            sa.select(m.c.customer_pk, m.c.group)
            .join(c, c.c.id == m.c.campaign_pk)
            .where(c.c.code == code)
        ).all()
    orders = []
    for pk, group in groups:
        if rng.random() < (p_treated if group == "treatment" else p_control):
            orders.append(
                {
                    "order_id": f"O-{code}-{pk}",
                    "content_hash": f"h-{code}-{pk}",
                    "customer_pk": pk,
                    "ordered_at": START + dt.timedelta(days=float(rng.uniform(1, 60))),
                    "amount": 100.0,
                }
            )
    with open_store(url).begin() as conn:
        conn.execute(sa.insert(Order), orders)
    treated = sum(1 for _pk, g in groups if g == "treatment")
    return treated, len(groups) - treated


def test_campaign_uplift_api_and_page(sqlite_service) -> None:
    svc = sqlite_service
    ws = svc.workspace
    planted = _campaign(ws, "gift", p_control=0.15, p_treated=0.35, n=800, seed=4)
    null = _campaign(ws, "null", p_control=0.25, p_treated=0.25, n=800, seed=5)
    campaigns.create_campaign(ws, "draft", segment={"when": []}, action={"channel": "list"})

    listed = svc.client.get("/api/campaigns", headers=svc.auth("analyst"))
    assert listed.status_code == 200, listed.text
    by_code = {c["code"]: c for c in listed.json()}
    assert (by_code["gift"]["treated"], by_code["gift"]["control"]) == planted
    assert (by_code["null"]["treated"], by_code["null"]["control"]) == null
    assert by_code["draft"]["treated"] == by_code["draft"]["control"] == 0

    r = svc.client.get("/api/campaigns/gift/uplift", headers=svc.auth("analyst"))
    assert r.status_code == 200, r.text
    gift = r.json()
    assert gift["measured"] and (gift["treated"], gift["control"]) == planted
    retained = gift["metrics"]["retained"]
    assert retained["lower"] < 0.20 < retained["upper"] and retained["lower"] > 0
    assert retained["detectable"] and retained["verdict"].startswith("treated +")
    # Every buyer spends 100: revenue per member is 100 × the retention rate.
    spend = gift["metrics"]["spend"]
    assert abs(spend["difference"] - 100 * retained["difference"]) < 1e-9
    assert abs(spend["treated"] - 100 * retained["treated"]) < 1e-9

    nulls = svc.client.get("/api/campaigns/null/uplift", headers=svc.auth("admin")).json()
    assert nulls["metrics"]["retained"]["lower"] < 0 < nulls["metrics"]["retained"]["upper"]
    assert nulls["metrics"]["retained"]["verdict"] == "no detectable effect"
    assert nulls["metrics"]["spend"]["verdict"] == "no detectable effect"

    draft = svc.client.get("/api/campaigns/draft/uplift", headers=svc.auth("admin")).json()
    assert draft["measured"] is False and draft["reason"] and draft["metrics"] == {}
    missing = svc.client.get("/api/campaigns/nope/uplift", headers=svc.auth("admin"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert svc.client.get("/api/campaigns", headers=svc.auth("agent")).status_code == 403

    # The page, signed in as the analyst, in Chinese.
    client = svc.client
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/login",
        data={"username": "analyst1", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    html = client.get("/campaigns?lang=en")
    assert html.status_code == 200
    assert "'unsafe-eval'" in html.headers["content-security-policy"]
    assert "Campaign &lt;b&gt;gift&lt;/b&gt;" in html.text  # names are escaped
    gift_section = html.text.split('id="campaign-gift"')[1].split("</section>")[0]
    null_section = html.text.split('id="campaign-null"')[1].split("</section>")[0]
    assert f'<dd class="treated">{planted[0]:,}</dd>' in gift_section
    assert f'<dd class="control">{planted[1]:,}</dd>' in gift_section
    assert "no detectable effect" not in gift_section
    assert null_section.count('<td class="verdict no-effect">no detectable effect</td>') == 2
    assert gift_section.count('<td class="verdict effect">treated +') == 2
    specs = re.findall(r'<script type="application/json" id="chart-\d+">(.*?)</script>', html.text)
    assert len(specs) == 2
    assert json.loads(specs[0])["facet"]["row"]["field"] == "metric"
    assert "<" not in specs[0]  # nothing in the data can end the script element
    zh = client.get("/campaigns?lang=zh_CN")
    assert "未检测到效果" in zh.text
    assert client.get("/static/vega/vega-embed.min.js").status_code == 200
    assert "'unsafe-eval'" not in client.get("/analytics").headers["content-security-policy"]
