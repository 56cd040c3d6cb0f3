"""A slow result is computed once per key among parallel requests and shared through the
workspace's private cache folder; a request that will not wait gets an answer at once."""

from __future__ import annotations

import multiprocessing
import stat
import threading
import time
from pathlib import Path

from patron.core import computed
from patron.core.computed import computed_once


def test_parallel_requests_compute_once(tmp_path: Path) -> None:
    calls = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.5)
        return 42

    results: list[computed.Kept[int]] = []
    waiting = [
        threading.Thread(
            target=lambda: results.append(computed_once(tmp_path, ("k",), slow, max_age=60))
        )
        for _ in range(8)
    ]
    waiting[0].start()
    started.wait(5)
    for t in waiting[1:]:
        t.start()
    # one that will not wait: answered at once, nothing ready yet
    t0 = time.perf_counter()
    impatient = computed_once(tmp_path, ("k",), slow, max_age=60, wait=False)
    assert time.perf_counter() - t0 < 0.3
    assert impatient.ready is False and impatient.value is None
    for t in waiting:
        t.join(10)
    assert len(calls) == 1
    assert [r.value for r in results] == [42] * 8
    # private files
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def _other_process(folder: str, queue) -> None:  # type: ignore[no-untyped-def]
    computed._MEMORY.clear()
    kept = computed_once(Path(folder), ("shared",), lambda: "recomputed", max_age=60)
    queue.put(kept.value)


def test_another_worker_reads_the_kept_result_and_old_ones_are_redone(tmp_path: Path) -> None:
    assert computed_once(tmp_path, ("shared",), lambda: "first", max_age=60).value == "first"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_other_process, args=(str(tmp_path), queue))
    worker.start()
    worker.join(30)
    assert queue.get(timeout=5) == "first"  # from the file, not computed again
    computed._MEMORY.clear()
    assert computed_once(tmp_path, ("shared",), lambda: "again", max_age=0).value == "again"
    # a damaged file is computed again, not an error
    for path in tmp_path.glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    computed._MEMORY.clear()
    assert computed_once(tmp_path, ("shared",), lambda: "fixed", max_age=60).value == "fixed"


def test_a_request_that_will_not_wait_starts_the_work_in_the_background(tmp_path: Path) -> None:
    from patron.core.i18n import current_language, language

    done = threading.Event()

    def slow() -> str:
        time.sleep(0.3)
        done.set()
        return current_language()  # the caller's language reaches the background thread

    with language("zh_CN"):
        first = computed_once(tmp_path, ("bg",), slow, max_age=60, wait=False)
    assert first.ready is False
    assert done.wait(5)
    for _ in range(50):  # the thread writes just after computing
        kept = computed_once(tmp_path, ("bg",), slow, max_age=60, wait=False)
        if kept.ready:
            break
        time.sleep(0.05)
    assert kept.ready and kept.value == "zh_CN"

    def failing() -> str:
        raise RuntimeError("no warehouse")

    assert computed_once(tmp_path, ("bad",), failing, max_age=60, wait=False).ready is False
    time.sleep(0.2)  # the failure is logged, the lock released: the next one tries again
    assert computed_once(tmp_path, ("bad",), lambda: "ok", max_age=60).value == "ok"
