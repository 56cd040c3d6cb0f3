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

The statuses that already say "return" are the workspace vocabulary's
``not_sale_statuses`` (one definition of a sale for the importer and every analysis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from patron.core.vocabulary import DEFAULT_VOCABULARY, vocabulary_of

#: The status given to a negative order without one (a status that is not a sale).
RETURN_STATUS = "returned"
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
    not_sale_statuses: tuple[str, ...] = DEFAULT_VOCABULARY.not_sale_statuses

    @classmethod
    def from_workspace(cls, workspace: Any) -> ImportSettings:
        """The workspace's ``[import]`` and vocabulary, validated when it was opened."""
        if workspace is None:
            return cls()
        section = workspace.config.import_
        return cls(
            negative_amounts=section.negative_amounts,
            max_amount=float(section.max_amount),
            not_sale_statuses=vocabulary_of(workspace).not_sale_statuses,
        )
