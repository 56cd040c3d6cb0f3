"""What a message says to one customer: sandboxed, escaped Jinja2 templates in their language.

Templates live in ``patron/act/templates/email/<name>.html`` (shipped) or
``WORKSPACE/templates/email/<name>.html`` (yours; found first). A template defines a
``subject`` block and a ``body`` block; texts go through ``{{ _("…") }}`` so the same
template speaks English or Chinese, chosen by the customer's ``language`` field. The
environment is sandboxed (a template cannot reach Python internals) and autoescaped
(a customer named ``<script>`` stays text).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from patron.core.i18n import _, format_date, format_number, language, normalize_language
from patron.exceptions import InputError

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Message:
    """A rendered message: subject line, HTML body and its plain-text twin."""

    subject: str
    html: str
    text: str
    language: str


def _format_date(value: Any, format: str = "long") -> str:
    if value is None or value != value:  # NaN/NaT
        return ""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value, format=format)


def environment(workspace: Any | None = None) -> SandboxedEnvironment:
    """The sandboxed, autoescaping environment (workspace templates shadow shipped ones)."""
    loaders = []
    if workspace is not None:
        loaders.append(FileSystemLoader(str(Path(workspace.root) / "templates")))
    loaders.append(FileSystemLoader(str(PACKAGE_TEMPLATES)))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = _
    env.filters["date"] = _format_date
    env.filters["number"] = format_number
    return env


def html_to_text(markup: str) -> str:
    """A readable plain-text version of a simple HTML body."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>", "\n", markup)
    text = re.sub(r"(?i)<li[^>]*>", "- ", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    lines = [line.strip() for line in text.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return re.sub(r"\n\n(?=- )", "\n", text).strip() + "\n"


def render_message(
    env: SandboxedEnvironment,
    context: dict[str, Any],
    *,
    template: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> Message:
    """Render a named template (``email/<template>.html``) or inline ``subject``/``body``.

    The customer's ``language`` (in ``context["customer"]``) picks the language.
    """
    lang = normalize_language((context.get("customer") or {}).get("language"))
    where = template or "inline body"
    try:
        with language(lang):
            if template:
                compiled = env.get_template(f"email/{template}.html")
                ctx = compiled.new_context(dict(context))
                subject_text = (
                    "".join(compiled.blocks["subject"](ctx)) if "subject" in compiled.blocks else ""
                )
                html_body = (
                    "".join(compiled.blocks["body"](ctx))
                    if "body" in compiled.blocks
                    else compiled.render(context)
                )
            else:
                subject_text = env.from_string(subject or "").render(context)
                html_body = env.from_string(body or "").render(context)
    except TemplateError as exc:
        raise InputError(_("template {name}: {reason}").format(name=where, reason=exc)) from exc
    subject_text = " ".join(html.unescape(subject_text).split())
    return Message(
        subject=subject_text,
        html=html_body.strip() + "\n",
        text=html_to_text(html_body),
        language=lang,
    )


def render_text(env: SandboxedEnvironment, source: str, context: dict[str, Any]) -> str:
    """Render a one-line text (a task title, a webhook field) in the customer's language."""
    lang = normalize_language((context.get("customer") or {}).get("language"))
    try:
        with language(lang):
            rendered = env.from_string(source).render(context)
    except TemplateError as exc:
        raise InputError(_("template {name}: {reason}").format(name=source, reason=exc)) from exc
    return html.unescape(rendered)
