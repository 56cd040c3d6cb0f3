"""E-mail addresses: exactly one address per value, or a clear error naming field and value.

Every entry point that stores or sends an address (the customers library, the importer,
the API, the web forms, the e-mail channel) calls :func:`check_email`, so a value such
as ``a@x.example\\r\\nBcc: evil@evil.example`` or ``victim@x.example, attacker@evil.example``
never reaches a mail header. Checking is syntax only (``email-validator`` with
``check_deliverability=False``): no network.
"""

from __future__ import annotations

import re

from patron.core.i18n import _
from patron.exceptions import InputError, shown

# A plain ASCII address that email-validator always accepts: dot-separated atoms of
# letters, digits and _%+- before the @, hostname labels and a letter TLD after it
# (not a special-use one). Columns of them are checked at once; the rest one by one.
PLAIN = re.compile(
    r"(?=.{3,254}$)(?=[^@]{1,64}@)[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?!(?i:arpa|invalid|local|localhost|onion|test)$)[A-Za-z]{2,63}"
)


def is_plain_email(value: str) -> bool:
    """A fast yes for the common address (a no means: ask :func:`email_problem`)."""
    return PLAIN.fullmatch(value) is not None


# What makes a value more than one address, or a header of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_SEPARATOR = re.compile(r"[,;<>\s]")


def email_problem(value: str) -> str | None:
    """Why ``value`` is not exactly one e-mail address (``None`` when it is one)."""
    from email_validator import EmailNotValidError, validate_email

    if is_plain_email(value):
        return None
    if _CONTROL.search(value):
        return _("it contains a line break or another control character")
    if _SEPARATOR.search(value):
        return _("it holds more than one address, a name or a space")
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return _("it is not a valid e-mail address")
    return None


def check_email(value: str, *, field: str = "email") -> str:
    """``value`` as one normalised address (trimmed, lower-cased), else ``InputError``.

    Raises
    ------
    InputError
        Naming ``field`` and the value, e.g. ``email: 'a@x.example\\r\\nBcc: …' is not one
        e-mail address: it contains a line break or another control character``.
    """
    if not isinstance(value, str):
        raise InputError(
            _("{field}: {value} is not one e-mail address: {reason}").format(
                field=field, value=shown(value), reason=_("it is not text")
            )
        )
    text = value.strip()
    problem = email_problem(text)
    if problem is not None:
        raise InputError(
            _("{field}: {value} is not one e-mail address: {reason}").format(
                field=field, value=shown(value), reason=problem
            )
        )
    return text.lower()
