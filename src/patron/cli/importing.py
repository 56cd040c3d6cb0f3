"""``patron import KIND FILE``: load a CSV, Excel or Parquet file into the workspace's store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.options import JsonOption, WorkspaceOption, console, open_workspace, print_json
from patron.core.i18n import _


def import_command(
    kind: Annotated[
        str,
        typer.Argument(
            help=_(
                "What the file holds: customers, orders, order-lines, interactions, "
                "complaints, responses, preferences or important-dates."
            ),
            show_default=False,
        ),
    ],
    file: Annotated[
        Path, typer.Argument(help=_("CSV, .xlsx or Parquet file."), show_default=False)
    ],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help=_("Column mapping target=source, e.g. --map customer_id=CustomerId (repeatable)."),
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help=_("YAML or JSON mapping file."), show_default=False),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            help=_("Format of ambiguous dates, e.g. %d/%m/%Y (default: detected)."),
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Check and count, but save nothing."))
    ] = False,
    no_create_customers: Annotated[
        bool,
        typer.Option(
            "--no-create-customers",
            help=_("Reject rows naming an unknown customer instead of creating it."),
        ),
    ] = False,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help=_(
                "Code of the organisation unit the rows belong to (when the file has no unit column)."
            ),
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a file of customers, orders, order lines, interactions, complaints or survey answers.

    Example: patron import orders orders.csv --map customer_id=CustNo --workspace shop
    """
    from patron.collect.importers import import_file
    from patron.collect.importers.mapping import load_mapping_file, parse_map_options

    ws = open_workspace(workspace)
    columns = parse_map_options(map_)
    if mapping is not None:
        from_file, file_format = load_mapping_file(mapping)
        columns = {**from_file, **columns}
        date_format = date_format or file_format
    from patron.cli.progress import progress_bar

    with progress_bar(not json) as progress:
        summary = import_file(
            ws,
            kind,
            file,
            mapping=columns or None,
            date_format=date_format,
            dry_run=dry_run,
            create_customers=not no_create_customers,
            progress=progress,
            unit=unit,
        )
    if json:
        print_json(summary.to_dict())
        return
    summary.to_printer().print(console)


def register(app: typer.Typer) -> None:
    app.command(
        "import",
        help=_(
            "Import a file of customers, orders, order lines, interactions, complaints or survey answers."
        ),
    )(import_command)
