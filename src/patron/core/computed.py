"""Which request computes a slow result: one per key at a time, across threads and processes.

The manager's home and the analytics pages show analyses that take seconds at a million
customers. Kept per process only, every worker recomputed them, and a burst of requests
on a cold cache started as many computations as requests. Here a result is computed by
whoever first takes the key's file lock (``flock``: threads and worker processes alike),
written to the workspace's private ``cache`` folder and shared by every worker for
``max_age`` seconds. The others either wait for it (``wait=True``) or answer at once with
the last result kept, or with nothing yet (``Kept.ready`` is false) so a page can say the
figures are being prepared instead of holding the request.

The files are written by this process's own code into a folder only the workspace's owner
can read or write; they hold pickled results, so that folder must stay private.
"""

from __future__ import annotations

import contextvars
import fcntl
import hashlib
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from patron.core import files

T = TypeVar("T")
logger = logging.getLogger(__name__)

_MEMORY: dict[str, tuple[float, Any]] = {}


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A result and whether there is one: ``ready`` is false while another request is
    computing the first one; ``fresh`` is false for an older result shown meanwhile."""

    value: T | None
    ready: bool
    fresh: bool = True


def _read(path: Path) -> tuple[float, Any] | None:
    try:
        with open(path, "rb") as handle:
            stamp, value = pickle.load(handle)  # noqa: S301 - our own private file
    except FileNotFoundError:
        return None
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError):
        return None  # a file from another version of Patron: compute again
    return float(stamp), value


def _write(path: Path, stamp: float, value: Any) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    files.write_private(temporary, pickle.dumps((stamp, value), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, path)


def computed_once(
    folder: Path,
    key: tuple[Any, ...],
    compute: Callable[[], T],
    *,
    max_age: float,
    wait: bool = True,
) -> Kept[T]:
    """``compute()`` for ``key`` at most once per ``max_age`` seconds among all workers.

    ``wait=False`` never holds the caller: a missing or outdated result is computed in a
    background thread (holding the key's lock) and meanwhile the caller gets the last
    result kept (``fresh=False``) or ``Kept(None, ready=False)``.
    """
    name = hashlib.sha256(repr((str(folder), key)).encode()).hexdigest()[:40]
    hit = _MEMORY.get(name)
    if hit is not None and time.time() - hit[0] < max_age:
        return Kept(hit[1], True)
    path = folder / f"{name}.pickle"
    stored = _read(path)
    if stored is not None and time.time() - stored[0] < max_age:
        _MEMORY[name] = stored
        return Kept(stored[1], True)
    meanwhile: Kept[T] = Kept(None, False) if stored is None else Kept(stored[1], True, False)
    files.private_dir(folder, parents=True)
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:  # someone else is computing it
        os.close(fd)
        return meanwhile
    if not wait:
        # The thread owns the lock until it has written the result; it runs in a copy of
        # this context (the language the words are in).
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run,
            args=(_compute_locked, fd, name, path, compute, max_age),
            name=f"patron-computed-{name[:8]}",
            daemon=True,
        )
        thread.start()
        return meanwhile
    return Kept(_compute_locked(fd, name, path, compute, max_age), True)


def _background(*args: Any) -> None:
    try:
        _compute_locked(*args)
    except Exception:  # logged; the next request tries again
        return


def _compute_locked(fd: int, name: str, path: Path, compute: Callable[[], T], max_age: float) -> T:
    try:
        stored = _read(path)  # it may have been written while this one waited
        if stored is not None and time.time() - stored[0] < max_age:
            _MEMORY[name] = stored
            return stored[1]
        value = compute()
        stamp = time.time()
        _write(path, stamp, value)
        _MEMORY[name] = (stamp, value)
        return value
    except Exception:
        logger.exception("computing %s failed: the next request tries again", name)
        raise
    finally:
        os.close(fd)  # releases the lock
