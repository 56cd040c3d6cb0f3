"""Files only their owner may read: settings, the store, keys (0600; folders 0700).

A workspace holds personal data and the key that signs sessions and survey links, so
Patron creates these files readable by the owner alone, whatever the umask says.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def _restrict(fd: int) -> None:
    if hasattr(os, "fchmod"):  # POSIX; Windows keeps its own ACLs
        os.fchmod(fd, PRIVATE_FILE)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created or replaced) as a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        _restrict(fd)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
    finally:
        os.close(fd)


def create_private(path: Path, data: bytes = b"") -> bool:
    """Create ``path`` (owner-only) holding ``data`` unless it exists; True when created.

    Exclusive creation: when two processes race, one creates and the other reads.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        _restrict(fd)
        os.write(fd, data)
    finally:
        os.close(fd)
    return True


def private_dir(path: Path, *, parents: bool = False) -> None:
    """Create the folder ``path`` for its owner only (an existing folder is left as it is)."""
    path.mkdir(mode=PRIVATE_DIR, parents=parents, exist_ok=True)
