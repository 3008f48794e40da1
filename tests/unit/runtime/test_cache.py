"""The SQLite response cache: keys, outcomes per run, claims between processes."""
from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from vscbench_pytest.errors import VscError
from vscbench_pytest.runtime.cache import ResponseCache, response_key

BASE = dict(backend="hf", model="sha256:abc", prompt="How?", image_sha="i1",
            settings={"max_new_tokens": 8})


def key(**change) -> str:
    args = {**BASE, **change}
    return response_key(args["backend"], args["model"], args["prompt"], args["image_sha"],
                        args["settings"])


def test_key_depends_on_everything_that_decides_a_response():
    assert key() == key()
    variants = [key(backend="openai"), key(model="sha256:new"), key(prompt="How?!"),
                key(image_sha="i2"), key(settings={"max_new_tokens": 9})]
    assert len({key(), *variants}) == 6


def put(cache: ResponseCache, k: str, text="ok", error=None, attempts=1) -> None:
    cache.put(k, backend="hf", model="m", uid="u", text=text, error=error, attempts=attempts)


def test_answers_serve_later_runs_errors_only_their_own(tmp_path: Path):
    first = ResponseCache(tmp_path / "c.sqlite", run="one")
    put(first, "a", "hello", attempts=2)
    put(first, "b", None, "HTTP 500", attempts=3)
    assert first.get("a").fresh and first.get("a").attempts == 2
    assert first.get("b").error == "HTTP 500"
    second = ResponseCache(tmp_path / "c.sqlite", run="two")
    assert second.get("a").text == "hello" and not second.get("a").fresh
    assert second.get("b") is None
    refresh = ResponseCache(tmp_path / "c.sqlite", run="three", refresh=True)
    assert refresh.get("a") is None
    put(refresh, "a", "again")
    assert refresh.get("a").text == "again" and second.get("a").text == "again"


def _claim_in_child(path: str, k: str, queue) -> None:
    queue.put(ResponseCache(Path(path), run="same").claim(k))


def test_a_live_claim_by_another_process_is_respected(tmp_path: Path):
    cache = ResponseCache(tmp_path / "c.sqlite", run="same")
    assert cache.claim("k") and cache.claim("k")  # this process may reclaim its own
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(
        target=_claim_in_child, args=(str(tmp_path / "c.sqlite"), "k", queue))
    child.start()
    child.join()
    assert queue.get() is False
    put(cache, "k")
    assert not cache.claim("k")  # answered: nobody needs to produce it


def test_claims_of_a_dead_process_or_another_run_are_stale(tmp_path: Path):
    path = tmp_path / "c.sqlite"
    ResponseCache(path, run="same")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO claims VALUES ('dead', 'same', 999999999, ?, 0)", (os.uname().nodename,))
        db.execute("INSERT INTO claims VALUES ('old', 'earlier', ?, ?, 0)", (os.getppid(), os.uname().nodename))
    cache = ResponseCache(path, run="same")
    assert cache.claim("dead") and cache.claim("old")


def test_a_cache_of_another_format_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(VscError, match="cache format 99.*vscbench cache clear"):
        ResponseCache(path, run="r")


def test_an_unwritable_cache_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(VscError, match="--vsc-cache: cannot open"):
        ResponseCache(blocker / "c.sqlite", run="r")


def test_many_processes_opening_a_new_cache_at_once_all_succeed(tmp_path):
    """xdist workers create the file together; none may fail with 'database is locked'."""
    import subprocess
    import sys
    import time

    code = ("import sys, time; from pathlib import Path; from vscbench_pytest.runtime.cache import ResponseCache\n"
            "while time.time() < float(sys.argv[3]): pass\n"  # all open the file at one instant
            "c = ResponseCache(Path(sys.argv[1]), run=sys.argv[2]); c.put('k' + sys.argv[2], "
            "backend='b', model='m', uid='u', text='t', error=None, attempts=1); c.close()")
    for round_ in range(2):
        path = tmp_path / f"cache-{round_}.sqlite"
        start = str(time.time() + 1.0)
        procs = [subprocess.Popen([sys.executable, "-c", code, str(path), str(i), start],
                                  stderr=subprocess.PIPE, text=True) for i in range(8)]
        errors = [p.communicate()[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 8, errors
        assert ResponseCache(path, run="x").stats().responses == 8



def test_many_processes_opening_an_old_cache_at_once_add_the_model_name_column_once(tmp_path):
    """A cache written before rows named their model (no ``spec`` column) is upgraded in
    place by whoever opens it first; xdist workers opening it together all succeed, and its
    old rows stay readable."""
    import subprocess
    import sys
    import time

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE responses (key TEXT PRIMARY KEY, backend TEXT NOT NULL, "
                     "model TEXT NOT NULL, uid TEXT NOT NULL, text TEXT, error TEXT, attempts "
                     "INTEGER NOT NULL, run TEXT NOT NULL, created REAL NOT NULL); "
                     "INSERT INTO responses VALUES ('old', 'hf', 'm', 'u', 'kept', NULL, 1, 'r', 0); "
                     "PRAGMA user_version=2;")
    db.close()
    code = ("import sys, time; from pathlib import Path; from vscbench_pytest.runtime.cache import ResponseCache\n"
            "while time.time() < float(sys.argv[3]): pass\n"
            "c = ResponseCache(Path(sys.argv[1]), run=sys.argv[2]); assert c.get('old').text == 'kept'; "
            "c.put('k' + sys.argv[2], backend='b', model='m', uid='u', text='t', error=None, "
            "attempts=1, spec='tiny-llava'); c.close()")
    start = str(time.time() + 1.0)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), str(i), start],
                              stderr=subprocess.PIPE, text=True) for i in range(6)]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    stats = ResponseCache(path, run="x").stats()
    assert stats.responses == 7
    assert [(m.fingerprint, m.specs, m.answers) for m in stats.models] == [("m", ("tiny-llava",), 7)]

CLOSE_WHILE_IN_USE = """
import sqlite3, sys, threading, time
from pathlib import Path
from vscbench_pytest.runtime.cache import ResponseCache

outcomes = []  # one per thread: a thread that dies of anything else adds none
for trial in range(int(sys.argv[2])):
    cache = ResponseCache(Path(sys.argv[1]), run="r")
    start = threading.Event()

    def use(n):
        start.wait()
        try:
            for i in range(100):
                cache.put(f"k{n}-{i}", backend="b", model="m", uid="u", text="t" * 200,
                          error=None, attempts=1)
                cache.get(f"k{n}-{i}")
            outcomes.append("done")
        except sqlite3.ProgrammingError as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=use, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    start.set()
    time.sleep(0.001 * (trial % 5))
    cache.close()
    for thread in threads:
        thread.join()
    cache.close()  # what the threads reopened after the first close
print(len(outcomes), sorted(set(outcomes)))
"""


def test_closing_the_cache_while_threads_use_it_never_crashes_the_process(tmp_path):
    """A judge's or a child's reader thread may still store a row when the session closes the
    cache. sqlite3 crashes the interpreter (SIGSEGV) when a connection closes under a running
    statement; the cache's close waits for the statement instead. Run in a child process, so a
    crash shows as a return code."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CLOSE_WHILE_IN_USE, str(tmp_path / "c.sqlite"),
                           "30"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    # every thread of every trial finished its work: the ones that used the cache after close
    # opened a new connection (also those that were waiting for their old one)
    assert done.stdout.split() == ["90", "['done']"], done.stdout + done.stderr[-2000:]
    # every thread that finished stored its rows in a cache that is still whole
    check = ResponseCache(tmp_path / "c.sqlite", run="r")
    assert check.stats().responses > 0
    check.close()


def test_a_providers_block_is_kept_with_its_reason(tmp_path: Path):
    first = ResponseCache(tmp_path / "c.sqlite", run="one")
    first.put("k", backend="openai", model="m", uid="u", text="", error=None, attempts=1,
              blocked="openai finish_reason=content_filter")
    put(first, "plain", "hello")
    second = ResponseCache(tmp_path / "c.sqlite", run="two")
    assert (second.get("k").text, second.get("k").blocked) == ("", "openai finish_reason=content_filter")
    assert second.get("plain").blocked is None
