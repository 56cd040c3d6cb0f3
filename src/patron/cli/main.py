"""Entry point of ``patron``: builds the command tree and turns errors into one line."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

import patron.cli as cli_package
from patron import __version__
from patron.core.i18n import _, set_language
from patron.exceptions import PatronError

app = typer.Typer(
    name="patron",
    help=_("Patron: customer satisfaction and loyalty — collect, measure, predict, act."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    lang: str | None = typer.Option(
        None, "--lang", envvar="PATRON_LANG", help=_("Language of messages: en or zh_CN.")
    ),
) -> None:
    set_language(lang)


@app.command("version", help=_("Print Patron's version."))
def version() -> None:
    """Print Patron's version."""
    typer.echo(__version__)


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(cli_package.__path__), key=lambda m: m.name):
        if module_info.name in {"main", "options"}:
            continue
        module = importlib.import_module(f"{cli_package.__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main() -> None:
    """Run the CLI; a library error ends with its message and exit code 1."""
    try:
        app()
    except PatronError as exc:
        sys.stderr.write(_("error: {message}").format(message=exc) + "\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write(_("interrupted") + "\n")
        sys.exit(130)
