"""Render pages: Jinja2 templates with ``_()``, the reader's language, CSRF token and formats.

Full pages extend ``base.html``; fragments for HTMX swaps start with an underscore
(``_customer_results.html``). Autoescaping is on for every template, so names and
complaint texts typed by anyone are shown as text, never run as markup.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape

from patron.collect.roles import Actor
from patron.core import i18n, security
from patron.core.i18n import _, language, ngettext, normalize_language
from patron.report import labels
from patron.serve.api.deps import ANON_COOKIE, request_sid

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANG_COOKIE = "patron_lang"


def _fmt_date(value: date | datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):  # an ISO date from a job's figures
        value = date.fromisoformat(value[:10])
    return i18n.format_date(value)


def _fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return i18n.format_datetime(value, format="short")


def _fmt_number(value: float | None, decimals: int = 0) -> str:
    # A figure a template names but the context lacks is missing, never a number.
    if value is None or isinstance(value, Undefined):
        return "—"
    return i18n.format_number(value, decimals=decimals)


def _fmt_percent(value: float | None) -> str:
    if value is None or isinstance(value, Undefined):
        return "—"
    return i18n.format_percent(value, decimals=0)


def _sparkline(trend: list[tuple[str, float]], kind: str = "index") -> str:
    """A small line of the values by period (an SVG made of numbers only), with its
    values in words for screen readers."""
    values = [float(v) for _start, v in trend]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = 100 / max(1, len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{30 - 26 * (v - low) / span + 2:.1f}" for i, v in enumerate(values)
    )
    shown = [
        i18n.format_percent(v, decimals=0) if kind == "share" else i18n.format_number(v, decimals=1)
        for v in values
    ]
    label = _("by quarter: {values}").format(values=", ".join(shown))
    return (
        f'<svg class="sparkline" viewBox="0 0 100 34" preserveAspectRatio="none" role="img" '
        f'aria-label="{html.escape(label)}"><polyline points="{points}"/></svg>'
    )


environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals.update(
    _=i18n.gettext,
    ngettext=ngettext,
    fmt_date=_fmt_date,
    fmt_datetime=_fmt_datetime,
    fmt_number=_fmt_number,
    fmt_percent=_fmt_percent,
    sparkline=_sparkline,
    label=labels.label,
    interaction_words=labels.interaction_words,
    score_label=labels.score_label,
    churn_risk_words=labels.churn_risk_words,
)


def request_language(request: Request, actor: Actor | None = None) -> str:
    """``?lang=``, else the user's own setting, else the cookie, else Accept-Language."""
    query = request.query_params.get("lang")
    if query:
        return normalize_language(query)
    if actor is not None and actor.language:
        return normalize_language(actor.language)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        return normalize_language(cookie)
    accept = request.headers.get("accept-language", "")
    first = accept.split(",")[0].split(";")[0].strip()
    return normalize_language(first) if first else "en"


@dataclass
class PageContext:
    """What every page's template receives besides its own data."""

    request: Request
    actor: Actor | None
    lang: str
    csrf_token: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "actor": self.actor,
            "lang": self.lang,
            "csrf_token": self.csrf_token,
            **self.extra,
        }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
    lang: str | None = None,
) -> HTMLResponse:
    """A page (or fragment) in the reader's language, with this visitor's CSRF token."""
    secret = request.app.state.secret_key
    sid = request_sid(request)
    new_anon = None
    if sid is None:
        sid = new_anon = security.new_session_id()
    lang = lang or request_language(request, actor)
    page = PageContext(
        request=request,
        actor=actor,
        lang=lang,
        csrf_token=security.make_csrf_token(secret, sid),
        extra=context or {},
    )
    with language(lang):
        html = environment.get_template(template).render(page.as_dict())
    response = HTMLResponse(html, status_code=status_code)
    secure = request.url.scheme == "https"
    if new_anon:
        response.set_cookie(
            ANON_COOKIE, new_anon, httponly=True, samesite="lax", secure=secure, max_age=12 * 3600
        )
    if request.query_params.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", secure=secure, max_age=365 * 86400)
    return response


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "title": _("Something went wrong")},
        status_code=status,
    )


def chart_json(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec as JSON safe inside ``<script type="application/json">``: a "<"
    (in a campaign or unit name a person typed) could end the element early, so it is
    written as ``\\u003c``, which no HTML parser reads as markup."""
    return json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c")
