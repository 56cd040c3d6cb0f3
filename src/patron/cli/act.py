"""``patron act``: run the rules, check them, run campaigns and measure their uplift."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from patron.cli.options import JsonOption, WorkspaceOption, console, open_workspace, print_json
from patron.core.i18n import _
from patron.exceptions import InputError

DateOption = Annotated[
    str | None,
    typer.Option(
        "--date", help=_("Run date YYYY-MM-DD (default: today, UTC)."), show_default=False
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help=_("Show what would be sent; send and record nothing."))
]


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(_("--date {value}: expected YYYY-MM-DD").format(value=value)) from exc


def run_command(
    workspace: WorkspaceOption = None,
    date: DateOption = None,
    dry_run: DryRunOption = False,
    rules: Annotated[
        Path | None, typer.Option("--rules", help=_("Rules file (YAML or JSON) to run instead."))
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Evaluate the rules for a day and send what is due, each send once.

    Example: patron act run --workspace ./hotel --date 2026-11-01 --dry-run
    """
    from patron.act.daily import run
    from patron.cli.progress import progress_bar

    ws = open_workspace(workspace)
    with progress_bar(enabled=not json_output) as progress:
        result = run(ws, _date(date), dry_run, rules_file=rules, progress=progress)
    if json_output:
        print_json(result.to_dict())
    else:
        result.printer().print(console)


def rules_command(
    workspace: WorkspaceOption = None,
    validate: Annotated[
        Path | None,
        typer.Option("--validate", help=_("Check a rules file and report the first error.")),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option("--save", help=_("Check a rules file and store its rules in the workspace.")),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """List the rules a run would use, or check and store a rules file.

    Example: patron act rules --validate my_rules.yaml
    """
    from patron.act.rules import active_rules, load_rules, save_rule

    if validate is not None:
        rules = load_rules(validate)
        if json_output:
            print_json({"valid": True, "rules": [r.code for r in rules]})
        else:
            console.print(_("{path}: {n} rules, all valid").format(path=validate, n=len(rules)))
        return
    ws = open_workspace(workspace)
    if save is not None:
        saved = [save_rule(ws, r.definition) for r in load_rules(save)]
        if json_output:
            print_json({"saved": [r.code for r in saved]})
        else:
            console.print(_("{n} rules saved").format(n=len(saved)))
        return
    rules = active_rules(ws)
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "trigger": r.trigger_name,
            "channel": r.channel,
            "conditions": len(r.when) + len(r.any_of),
            "once_per": r.once_per,
        }
        for r in rules
    ]
    if json_output:
        print_json(rows)
        return
    import pandas as pd

    from patron.core.printer import Printer

    Printer(title=_("Rules"), tables=[("", pd.DataFrame(rows))]).print(console)


campaign_app = typer.Typer(
    help=_("Campaigns: audience, control group, sending, outcomes and uplift."),
    no_args_is_help=True,
)


def _parse_where(expressions: list[str]) -> list[dict[str, Any]]:
    conditions = []
    for text in expressions:
        parts = text.split(None, 2)
        if len(parts) < 2:
            raise InputError(
                _(
                    "--where {text}: expected 'field op value', e.g. 'score.churn_risk >= 0.6'"
                ).format(text=text)
            )
        condition: dict[str, Any] = {"field": parts[0], "op": parts[1]}
        if len(parts) == 3:
            condition["value"] = yaml.safe_load(parts[2])
        conditions.append(condition)
    return conditions


@campaign_app.command("create", help=_("Create a campaign: segment, action, control share."))
def campaign_create(
    code: Annotated[str, typer.Argument(help=_("Campaign code."))],
    workspace: WorkspaceOption = None,
    name: Annotated[str | None, typer.Option("--name", help=_("Campaign name."))] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help=_("Segment condition 'field op value' (repeatable).")),
    ] = None,
    definition: Annotated[
        Path | None,
        typer.Option("--from", help=_("YAML/JSON file with segment: and action: sections.")),
    ] = None,
    channel: Annotated[
        str, typer.Option("--channel", help=_("email, webhook, task or list."))
    ] = "email",
    template: Annotated[
        str, typer.Option("--template", help=_("E-mail template name."))
    ] = "campaign",
    control_share: Annotated[
        float, typer.Option("--control-share", help=_("Share held out as control."))
    ] = 0.1,
    scheduled_at: Annotated[
        str | None, typer.Option("--scheduled-at", help=_("Do not send before this time (ISO)."))
    ] = None,
    max_contacts: Annotated[
        int | None, typer.Option("--max-contacts", help=_("At most N contacts per period."))
    ] = None,
    period_days: Annotated[
        int | None, typer.Option("--period-days", help=_("Length of the frequency-cap period."))
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Example: patron act campaign create winback --where "days_since_last_order >= 365"."""
    from patron.act.campaigns import create_campaign

    ws = open_workspace(workspace)
    segment: dict[str, Any] = {"when": _parse_where(where or [])}
    action: dict[str, Any] = {"channel": channel}
    if channel == "email":
        action["template"] = template
    if definition is not None:
        loaded = yaml.safe_load(definition.read_text(encoding="utf-8")) or {}
        segment = loaded.get("segment", segment)
        action = loaded.get("action", action)
    when = dt.datetime.fromisoformat(scheduled_at) if scheduled_at else None
    campaign = create_campaign(
        ws,
        code,
        name=name,
        segment=segment,
        action=action,
        control_share=control_share,
        scheduled_at=when,
        max_contacts=max_contacts,
        period_days=period_days,
    )
    if json_output:
        print_json(campaign)
    else:
        console.print(_("Campaign {code} created").format(code=code))


@campaign_app.command("assign", help=_("Form the audience and hold out the control group."))
def campaign_assign(
    code: Annotated[str, typer.Argument(help=_("Campaign code."))],
    workspace: WorkspaceOption = None,
    date: DateOption = None,
    json_output: JsonOption = False,
) -> None:
    """Example: patron act campaign assign winback."""
    from patron.act.campaigns import assign

    result = assign(open_workspace(workspace), code, _date(date))
    if json_output:
        print_json(result.to_dict())
        return
    console.print(
        _(
            "{code}: segment {segment}, no consent {consent}, capped {capped}; "
            "treatment {t}, control {c}"
        ).format(
            code=code,
            segment=result.segment,
            consent=result.excluded_no_consent,
            capped=result.excluded_frequency_cap,
            t=result.treatment,
            c=result.control,
        )
    )


@campaign_app.command("send", help=_("Send the campaign to its treated members."))
def campaign_send(
    code: Annotated[str, typer.Argument(help=_("Campaign code."))],
    workspace: WorkspaceOption = None,
    date: DateOption = None,
    dry_run: DryRunOption = False,
    json_output: JsonOption = False,
) -> None:
    """Example: patron act campaign send winback --dry-run."""
    from patron.act.campaigns import send
    from patron.cli.progress import progress_bar

    with progress_bar(enabled=not json_output) as progress:
        result = send(
            open_workspace(workspace), code, _date(date), dry_run=dry_run, progress=progress
        )
    if json_output:
        print_json(result.to_dict())
    else:
        result.printer().print(console)


@campaign_app.command("outcomes", help=_("Measure response, next purchase, spend, retention."))
def campaign_outcomes(
    code: Annotated[str, typer.Argument(help=_("Campaign code."))],
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Example: patron act campaign outcomes winback --json."""
    from patron.act.campaigns import outcomes

    frame = outcomes(open_workspace(workspace), code)
    if json_output:
        print_json(json.loads(frame.to_json(orient="records", date_format="iso")))
        return
    from patron.core.i18n import format_number, format_percent

    means = frame.groupby("group")[["responded", "retained", "spend"]].mean()
    # Text cells: the printer would show member counts and rates as plain floats.
    summary = means.assign(
        members=frame.groupby("group").size().map(str),
        responded=means["responded"].map(format_percent),
        retained=means["retained"].map(format_percent),
        spend=means["spend"].map(lambda v: format_number(v, decimals=2)),
    )[["members", "responded", "retained", "spend"]]
    from patron.core.printer import Printer

    Printer(title=_("Outcomes of campaign {code}").format(code=code), tables=[("", summary)]).print(
        console
    )


@campaign_app.command("uplift", help=_("Treated vs control differences with intervals."))
def campaign_uplift(
    code: Annotated[str, typer.Argument(help=_("Campaign code."))],
    workspace: WorkspaceOption = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help=_("Write the chart (Vega-Lite JSON) here."))
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Example: patron act campaign uplift winback --chart uplift.json."""
    from patron.act.campaigns import uplift

    estimate = uplift(open_workspace(workspace), code)
    if chart is not None:
        chart.write_text(json.dumps(estimate.chart().to_dict(), indent=2), encoding="utf-8")
    if json_output:
        print_json(estimate.to_dict())
    else:
        estimate.printer().print(console)


def next_best_command(
    workspace: WorkspaceOption = None,
    customer: Annotated[
        list[str] | None, typer.Option("--customer", help=_("Only this customer (repeatable)."))
    ] = None,
    top: Annotated[int, typer.Option("--top", help=_("Actions per customer."))] = 3,
    date: DateOption = None,
    json_output: JsonOption = False,
) -> None:
    """Rank candidate actions per customer by expected value and explain them.

    Example: patron act next-best --customer H-ORIENTAL
    """
    from patron.act.next_best_action import next_best_actions

    frame = next_best_actions(
        open_workspace(workspace), _date(date), top=top, customer_ids=customer
    )
    if json_output:
        print_json(frame.to_dict(orient="records"))
        return
    for row in frame.head(60).itertuples(index=False):
        console.print(f"{row.customer_id} #{row.rank}: {row.explanation}")


def register(app: typer.Typer) -> None:
    act_app = typer.Typer(
        help=_("Act: rules, campaigns with control groups, uplift, next best action."),
        no_args_is_help=True,
    )
    act_app.command("run", help=_("Evaluate the rules for a day and send what is due."))(
        run_command
    )
    act_app.command("rules", help=_("List, check or store rules."))(rules_command)
    act_app.command("next-best", help=_("Rank actions per customer by expected value."))(
        next_best_command
    )
    act_app.add_typer(campaign_app, name="campaign")
    app.add_typer(act_app, name="act")
