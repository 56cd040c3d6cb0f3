"""``patron units``: add and list the organisation's units (group → brand → property …)."""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.options import JsonOption, WorkspaceOption, console, open_workspace, print_json
from patron.core.i18n import _

app = typer.Typer(
    no_args_is_help=True, help=_("Organisation units: properties, stations, branches.")
)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help=_("Short code of the unit, e.g. harbour-sh."))],
    name: Annotated[
        str | None, typer.Argument(help=_("Name of the unit."), show_default=False)
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option("--parent", help=_("Code of the unit above it."), show_default=False),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help=_("Kind: group, brand, property, region, station …"))
    ] = "unit",
    name_zh: Annotated[
        str | None,
        typer.Option("--name-zh", help=_("Chinese name of the unit."), show_default=False),
    ] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Add a unit (or rename an existing one).

    Example: patron units add harbour-sh "Harbour Shanghai" --parent harbour --kind property
    """
    from patron.collect.units import add_units, list_units

    ws = open_workspace(workspace)
    add_units(
        ws, [{"code": code, "name": name, "parent": parent, "kind": kind, "name_zh": name_zh}]
    )
    frame = list_units(ws)
    row = frame[frame["code"] == code].iloc[0].to_dict()
    if json:
        print_json({k: (None if v != v else v) for k, v in row.items()})
        return
    console.print(_("Unit {code} ({name}) is ready.").format(code=code, name=row["name"]))


@app.command("list")
def list_(json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
    """List the units, each under its parent.

    Example: patron units list --workspace demo-workspace
    """
    from patron.collect.units import KIND_LABELS, list_units

    frame = list_units(open_workspace(workspace))
    if json:
        print_json(frame.astype(object).where(frame.notna(), None).to_dict("records"))
        return
    if frame.empty:
        console.print(_("No units yet: add one with `patron units add CODE NAME`."))
        return
    for row in frame.itertuples():
        label = f"{row.name} / {row.name_zh}" if row.name_zh else row.name
        console.print(
            f"{'  ' * int(row.depth)}{row.code}  {label}  [dim]{_(KIND_LABELS.get(row.kind, row.kind))}[/dim]"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="units")
