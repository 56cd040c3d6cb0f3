"""How files get into the store: ``import_file`` and the kinds of rows it understands.

>>> from patron.collect.importers import import_file
>>> summary = import_file("shop", "orders", "orders.csv")  # doctest: +SKIP
"""

from patron.collect.importers.run import ImportSummary, import_file
from patron.collect.importers.schemas import KINDS, Field, Kind, get_kind

__all__ = ["KINDS", "Field", "ImportSummary", "Kind", "get_kind", "import_file"]
