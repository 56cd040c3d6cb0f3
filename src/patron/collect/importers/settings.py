"""What an import accepts: the amount rule and the limits on columns and values.

Read from the workspace's ``patron.toml``, section ``[import]``::

    [import]
    negative_amounts = "return"   # or "reject"
    max_amount = 1e12             # larger amounts (in absolute value) are rejected

``negative_amounts`` decides what an order with an amount below zero is:

- ``"return"`` (the default): a return, not a sale. An order row without a status is
  stored with status ``returned`` (which the analyses count as no revenue); a row whose
  status says something else (``completed``) contradicts its amount and is rejected.
- ``"reject"``: every negative amount (orders and order lines) goes to the reject file.

This is the one place the importer decides what counts as a sale or a return, so it
can follow the workspace's vocabulary when that grows one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from patron.core.i18n import _
from patron.exceptions import InputError

#: The status given to a negative order without one, and the statuses that already say
#: "return" (the same list as ``patron.analyze.features.RETURN_STATUSES``; a test pins them).
RETURN_STATUS = "returned"
RETURN_STATUSES = ("returned", "refunded", "cancelled")
NEGATIVE_RULES = ("return", "reject")
#: A file with more columns than this is refused before any row is read.
MAX_COLUMNS = 1000
#: Text longer than this in a field without its own limit is rejected.
MAX_TEXT = 100_000


@dataclass(frozen=True)
class ImportSettings:
    """The ``[import]`` settings of a workspace (defaults when absent)."""

    negative_amounts: str = "return"
    max_amount: float = 1e12

    @classmethod
    def from_workspace(cls, workspace: Any) -> ImportSettings:
        section = dict(workspace.settings.get("import", {})) if workspace is not None else {}
        rule = str(section.get("negative_amounts", cls.negative_amounts)).strip().lower()
        if rule not in NEGATIVE_RULES:
            raise InputError(
                _("patron.toml [import] negative_amounts = {value}: use {options}").format(
                    value=rule, options=" or ".join(NEGATIVE_RULES)
                )
            )
        try:
            max_amount = float(section.get("max_amount", cls.max_amount))
        except (TypeError, ValueError) as exc:
            raise InputError(_("patron.toml [import] max_amount must be a number")) from exc
        return cls(negative_amounts=rule, max_amount=max_amount)
