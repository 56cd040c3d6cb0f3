"""The ``patron`` command: a thin shell over the library, one module per command group.

Each module in this package (other than ``main`` and ``options``) defines
``register(app: typer.Typer) -> None``, which adds its commands; ``main`` finds them,
so rooms add commands without touching each other's files.
"""
