"""``patron serve``, ``patron user add`` and ``patron token …``: run the service, let people in."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from patron.cli.options import WorkspaceOption, console, open_workspace
from patron.core.i18n import _
from patron.exceptions import InputError


def serve(
    workspace: WorkspaceOption = None,
    host: Annotated[str, typer.Option(help=_("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("Port to listen on."))] = 8000,
    workers: Annotated[int, typer.Option(help=_("Worker processes."))] = 1,
    proxy_headers: Annotated[
        bool, typer.Option(help=_("Trust X-Forwarded-* headers from a TLS proxy."))
    ] = False,
) -> None:
    """Run the web service (API at /api, OpenAPI at /openapi.json, pages at /).

    Example: patron serve --workspace ./demo-workspace --port 8000
    """
    import uvicorn

    from patron.serve.http import HTTP_PROTOCOL

    ws = open_workspace(workspace)
    ws.secret_key  # noqa: B018 - refuses a weak PATRON_SECRET_KEY before anything starts
    from patron.collect.store.db import upgrade_store

    upgrade_store(ws.database_url)
    console.print(
        _("Serving {path} at http://{host}:{port}/").format(path=ws.root, host=host, port=port)
    )
    if workers > 1:
        import os

        os.environ["PATRON_WORKSPACE"] = str(ws.root.resolve())
        uvicorn.run(
            "patron.serve.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=proxy_headers,
            log_level="warning",
            access_log=False,
            http=HTTP_PROTOCOL,
        )
        return
    from patron.serve.app import create_app

    uvicorn.run(
        create_app(ws),
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        log_level="warning",
        access_log=False,
        http=HTTP_PROTOCOL,
    )


def user_add(
    username: Annotated[str, typer.Argument(help=_("User name to sign in with."))],
    role: Annotated[str, typer.Option(help=_("admin, analyst or agent."))] = "agent",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help=_("Read the password from standard input."))
    ] = False,
    full_name: Annotated[str | None, typer.Option(help=_("Full name."))] = None,
    language: Annotated[
        str | None, typer.Option(help=_("Language of the pages: en or zh_CN."))
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(help=_("Code of the unit the user works in (sees it and below); none: all.")),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Add a user (the first admin, for instance).

    Example: echo 's3cret-pass' | patron user add alice --role admin --password-stdin
    Example: echo 's3cret-pass' | patron user add li --role agent --unit xian --password-stdin
    """
    from patron.collect import users
    from patron.collect.store.db import session_scope

    ws = open_workspace(workspace)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    if not password:
        raise InputError(_("no password given"))
    with session_scope(ws.database_url) as session:
        users.create_user(
            session,
            users.SYSTEM,
            username=username,
            password=password,
            role=role,
            full_name=full_name,
            language=language,
            unit=unit,
        )
    console.print(_("User {username} added with role {role}").format(username=username, role=role))


def user_unit(
    username: Annotated[str, typer.Argument(help=_("User name."))],
    unit: Annotated[
        str, typer.Argument(help=_("Code of the unit the user works in, or all for everything."))
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Set the unit a user works in: their lists, home and analytics stop at that unit.

    Example: patron user unit li xian
    """
    from patron.collect import users
    from patron.collect.store.db import session_scope

    ws = open_workspace(workspace)
    with session_scope(ws.database_url) as session:
        users.update_user(session, users.SYSTEM, username, unit=unit)
    console.print(_("User {username} now works in {unit}").format(username=username, unit=unit))


def token_create(
    username: Annotated[str, typer.Argument(help=_("User the token acts as."))],
    name: Annotated[str, typer.Argument(help=_("Name of the token (which system uses it)."))],
    expires_in_days: Annotated[
        int, typer.Option(help=_("Days until the token stops working (1 to 3650)."))
    ] = 90,
    workspace: WorkspaceOption = None,
) -> None:
    """Create an API token and print it once (only its hash is stored).

    Example: patron token create alice crm-sync --expires-in-days 30
    """
    from patron.collect import users
    from patron.collect.store.db import session_scope

    ws = open_workspace(workspace)
    with session_scope(ws.database_url) as session:
        token = users.create_api_token(
            session, users.SYSTEM, username, name, expires_in_days=expires_in_days
        )
    sys.stdout.write(token + "\n")


def token_list(
    username: Annotated[
        str | None, typer.Argument(help=_("Only this user's tokens (default: everyone's)."))
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """List API tokens: user, name, created, expires, last used, state (never the token).

    Example: patron token list alice
    """
    from rich.table import Table

    from patron.collect import users
    from patron.collect.store.db import session_scope
    from patron.core.i18n import format_datetime

    ws = open_workspace(workspace)
    with session_scope(ws.database_url) as session:
        tokens = users.list_api_tokens(session, username)
    table = Table(_("user"), _("name"), _("created"), _("expires"), _("last used"), _("state"))
    for t in tokens:
        table.add_row(
            t.username,
            t.name,
            format_datetime(t.created_at),
            format_datetime(t.expires_at) if t.expires_at else "-",
            format_datetime(t.last_used_at) if t.last_used_at else "-",
            _("active") if t.active else (_("revoked") if t.revoked_at else _("expired")),
        )
    console.print(table)


def token_revoke(
    username: Annotated[str, typer.Argument(help=_("User the token acts as."))],
    name: Annotated[str, typer.Argument(help=_("Name of the token."))],
    workspace: WorkspaceOption = None,
) -> None:
    """Revoke a user's API token: it stops working with the next request.

    Example: patron token revoke alice crm-sync
    """
    from patron.collect import users
    from patron.collect.store.db import session_scope

    ws = open_workspace(workspace)
    with session_scope(ws.database_url) as session:
        count = users.revoke_api_token(session, users.SYSTEM, username, name)
    console.print(
        _("Revoked {count} token(s) {name} of {username}").format(
            count=count, name=name, username=username
        )
    )


def register(app: typer.Typer) -> None:
    app.command("serve", help=_("Run the web service: API, staff pages and survey pages."))(serve)
    user_app = typer.Typer(help=_("Manage the people who sign in."), no_args_is_help=True)
    user_app.command("add", help=_("Add a user with a role."))(user_add)
    user_app.command("unit", help=_("Set the unit a user works in."))(user_unit)
    app.add_typer(user_app, name="user")
    token_app = typer.Typer(help=_("Manage API tokens for other systems."), no_args_is_help=True)
    token_app.command("create", help=_("Create an API token and print it once."))(token_create)
    token_app.command("list", help=_("List API tokens (never the tokens themselves)."))(token_list)
    token_app.command("revoke", help=_("Revoke an API token at once."))(token_revoke)
    app.add_typer(token_app, name="token")
