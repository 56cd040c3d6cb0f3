"""The CLI reference in ``docs/cli.md``, generated from the commands' own help.

``python -m patron.cli.reference > docs/cli.md`` (``make docs``) rewrites it; a test
fails when the file and the commands disagree, so the reference cannot drift.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import typer


def iter_commands(
    command: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and sub-command with its full path, in a stable order.

    Typer ships its own copy of click, so groups are recognised by their ``commands``.
    """
    if path:
        yield path, command
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            yield from iter_commands(command.commands[name], (*path, name))


def _usage(path: tuple[str, ...], command: Any) -> str:
    ctx = command.context_class(command, info_name=" ".join(("patron", *path)))
    return " ".join(command.collect_usage_pieces(ctx))


def render_reference() -> str:
    """Markdown: one section per command with its usage, help and options (English)."""
    from patron.cli.main import app
    from patron.core.i18n import language

    with language("en"):
        root = typer.main.get_command(app)
        lines = [
            "# CLI reference",
            "",
            "Generated from each command's `--help` by `make docs`; do not edit by hand.",
            "Help and messages in Simplified Chinese: `PATRON_LANG=zh_CN patron COMMAND --help`.",
            "",
        ]
        for path, command in iter_commands(root):
            name = " ".join(("patron", *path))
            lines += [f"## `{name}`", ""]
            lines += [f"    {name} {_usage(path, command)}".rstrip(), ""]
            help_text = (command.help or command.short_help or "").strip()
            lines += [help_text.replace("\b\n", "").strip(), ""]
            options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
            if options:
                for option in options:
                    flags = ", ".join(f"`{o}`" for o in (*option.opts, *option.secondary_opts))
                    lines.append(f"- {flags}: {(option.help or '').strip()}")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - developer tool
    sys.stdout.write(render_reference())
