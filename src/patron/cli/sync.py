"""``patron sync``: copy the store's tables to the Parquet warehouse (only what changed)."""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.options import JsonOption, WorkspaceOption, console, open_workspace, print_json
from patron.cli.progress import progress_bar
from patron.core.i18n import _


def sync_command(
    table: Annotated[
        list[str] | None,
        typer.Option("--table", help=_("Only this table (repeatable)."), show_default=False),
    ] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Copy the store's tables to WORKSPACE/warehouse as Parquet, incrementally, and fold
    the new orders into the customer state the analyses read.

    Example: patron sync --workspace shop
    """
    from patron.analyze.customer_state import update_customer_state
    from patron.collect.warehouse import TABLE_NAMES, sync
    from patron.core.vocabulary import vocabulary_of
    from patron.exceptions import InputError

    ws = open_workspace(workspace)
    unknown = [t for t in table or [] if t not in TABLE_NAMES]
    if unknown:
        raise InputError(
            _("unknown table {table}: use one of {tables}").format(
                table=unknown[0], tables=", ".join(TABLE_NAMES)
            )
        )
    with progress_bar(enabled=not json) as progress:
        summary = sync(ws, tables=table or None, progress=progress)
        state = update_customer_state(ws, vocabulary=vocabulary_of(ws), progress=progress)
    if json:
        print_json({**summary.to_dict(), "customer_state": state.to_dict()})
        return
    printer = summary.to_printer()
    printer.notes.append(state.note())
    printer.print(console)


def register(app: typer.Typer) -> None:
    app.command(
        "sync", help=_("Copy the store's tables to WORKSPACE/warehouse as Parquet, incrementally.")
    )(sync_command)
