"""Is what staff typed into a customer form usable: each field checked, each error naming it.

A form arrives as text; :func:`read_customer_form` turns it into the typed changes that
``customers.create_customer`` / ``update_customer`` take, and collects one message per
bad field (so the page can show every problem at once, beside its field).
:data:`CONTACT_KINDS` are the contacts staff log by hand (call, visit, note, e-mail).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from patron.core.emails import check_email
from patron.core.i18n import N_, _
from patron.exceptions import InputError

TEXT_FIELDS = {
    "name": 200,
    "name_zh": 200,
    "phone": 40,
    "city": 100,
    "region": 100,
    "country": 60,
}
LANGUAGES = ("en", "zh_CN")
CONSENTS = ("consent_email", "consent_sms", "consent_phone")
FORM_FIELDS = ("customer_id", *TEXT_FIELDS, "email", "birthday", "language", *CONSENTS)

# kind -> (words, channel recorded on the interaction)
CONTACT_KINDS = {
    "call": (N_("phone call"), "phone"),
    "visit": (N_("visit"), "in person"),
    "email": (N_("e-mail"), "email"),
    "note": (N_("note"), None),
}


@dataclass
class CustomerForm:
    """The typed values of a customer form and the errors per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_customer_form(form: dict[str, str], *, new: bool) -> CustomerForm:
    """The changes a customer form asks for; every bad field gets a message naming it."""
    out = CustomerForm()
    for name, limit in TEXT_FIELDS.items():
        text = unicodedata.normalize("NFC", (form.get(name) or "").strip())
        if len(text) > limit:
            out.errors[name] = _("{field}: at most {n} characters").format(field=name, n=limit)
        out.values[name] = text or None
    if not (out.values["name"] or out.values["name_zh"]):
        out.errors["name"] = _("name: give the name in English or in Chinese (or both)")
    email = (form.get("email") or "").strip()
    if email:
        try:
            out.values["email"] = check_email(email, field="email")
        except InputError as exc:
            out.errors["email"] = str(exc)
    else:
        out.values["email"] = None
    birthday = (form.get("birthday") or "").strip()
    out.values["birthday"] = None
    if birthday:
        try:
            day = date.fromisoformat(birthday)
        except ValueError:
            out.errors["birthday"] = _("birthday: {value} is not a date (YYYY-MM-DD)").format(
                value=birthday[:20]
            )
        else:
            if not date(1900, 1, 1) <= day <= date.today():
                out.errors["birthday"] = _("birthday: must lie between 1900 and today")
            out.values["birthday"] = day
    language = (form.get("language") or "").strip()
    if language and language not in LANGUAGES:
        out.errors["language"] = _("language: use one of {options}").format(
            options=", ".join(LANGUAGES)
        )
    out.values["language"] = language or None
    for name in CONSENTS:
        out.values[name] = form.get(name) in ("on", "yes", "true", "1")
    if new:
        customer_id = unicodedata.normalize("NFC", (form.get("customer_id") or "").strip())
        if len(customer_id) > 128:
            out.errors["customer_id"] = _("customer_id: at most 128 characters")
        out.values["customer_id"] = customer_id or None
    return out


def read_contact(kind: str, summary: str, occurred_at: str | None) -> dict[str, Any]:
    """A hand-logged contact's fields for ``activity.record_interaction`` (errors name the field)."""
    if kind not in CONTACT_KINDS:
        raise InputError(
            _("kind: {value} is not one of {options}").format(
                value=kind[:20], options=", ".join(CONTACT_KINDS)
            )
        )
    summary = summary.strip()
    if not summary:
        raise InputError(_("summary: say in a few words what was said or done"))
    when = None
    if occurred_at and occurred_at.strip():
        try:
            when = datetime.fromisoformat(occurred_at.strip())
        except ValueError:
            raise InputError(
                _("occurred_at: {value} is not a date and time").format(value=occurred_at[:30])
            ) from None
    return {
        "kind": kind,
        "channel": CONTACT_KINDS[kind][1],
        "summary": summary,
        "occurred_at": when,
        "is_service": kind in ("call", "email"),
    }
