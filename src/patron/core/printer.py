"""How a result object shows itself: one printer for text, Rich, HTML and JSON.

Results keep their numbers (DataFrames, scalars); ``Printer`` only formats them, so a
model's ``summary()`` stays data and its ``print_summary()`` / ``_repr_html_`` reuse this.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table


@dataclass
class Printer:
    """A titled list of key facts and tables.

    Parameters
    ----------
    title : str
        What was computed ("BG/NBD model fitted on 2,357 customers").
    facts : dict
        Headline numbers, in display order (``{"log-likelihood": -9582.4}``).
    tables : list of (heading, DataFrame)
        The detail, each shown under its heading.
    notes : list of str
        Plain-words remarks (verdicts, warnings).
    decimals : int, default=3
    """

    title: str
    facts: dict[str, Any] = field(default_factory=dict)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decimals: int = 3

    def _fmt(self, value: Any) -> str:
        if isinstance(value, float | np.floating):
            if np.isnan(value):
                return "–"
            return f"{value:,.{self.decimals}f}"
        if isinstance(value, int | np.integer):
            return f"{value:,}"
        return str(value)

    def rich_tables(self) -> list[Any]:
        out: list[Any] = []
        if self.facts:
            facts = Table(title=self.title, show_header=False, title_justify="left")
            facts.add_column(style="bold")
            facts.add_column(justify="right")
            for key, value in self.facts.items():
                facts.add_row(str(key), self._fmt(value))
            out.append(facts)
        for heading, frame in self.tables:
            table = Table(title=heading, title_justify="left")
            show_index = not isinstance(frame.index, pd.RangeIndex)
            if show_index:
                table.add_column(str(frame.index.name or ""), style="bold")
            for column in frame.columns:
                numeric = pd.api.types.is_numeric_dtype(frame[column])
                table.add_column(str(column), justify="right" if numeric else "left")
            # Counts that pandas stored as floats (after a join or a sum) print as counts.
            whole = {
                column
                for column in frame.columns
                if pd.api.types.is_float_dtype(frame[column])
                and frame[column].notna().any()
                and bool(np.all(np.mod(frame[column].dropna().to_numpy(), 1) == 0))
                and bool((frame[column].abs() >= 1).any())
            }
            # Cell by cell: iterrows would turn a row of ints and floats into floats.
            for position, index in enumerate(frame.index):
                cells = []
                for j, column in enumerate(frame.columns):
                    value = frame.iat[position, j]
                    whole_number = column in whole and pd.notna(value)
                    cells.append(f"{value:,.0f}" if whole_number else self._fmt(value))
                table.add_row(*([str(index)] if show_index else []), *cells)
            out.append(table)
        return out

    def print(self, console: Console | None = None) -> None:
        console = console or Console()
        if not self.facts:
            console.print(f"[bold]{self.title}[/bold]")
        for table in self.rich_tables():
            console.print(table)
        for note in self.notes:
            console.print(f"• {note}")

    def to_text(self, width: int = 120) -> str:
        buffer = StringIO()
        self.print(Console(file=buffer, width=width, color_system=None, force_terminal=False))
        return buffer.getvalue()

    def to_html(self) -> str:
        parts = [f"<h3>{html.escape(self.title)}</h3>"]
        if self.facts:
            rows = "".join(
                f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(self._fmt(v))}</td></tr>"
                for k, v in self.facts.items()
            )
            parts.append(f'<table class="facts">{rows}</table>')
        for heading, frame in self.tables:
            parts.append(f"<h4>{html.escape(heading)}</h4>")
            parts.append(
                frame.to_html(
                    float_format=lambda v: f"{v:,.{self.decimals}f}", classes="result", border=0
                )
            )
        if self.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
            parts.append(f"<ul class='notes'>{items}</ul>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()
