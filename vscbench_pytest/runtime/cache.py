"""The response cache: SQLite in WAL mode, shared safely by xdist workers and by runs.

A response is stored as soon as it is produced, before it is judged, so a killed run resumes
where it stopped. An error is stored too, but serves only the run that met it (so xdist
workers do not retry each other's failures, and the next run asks again). The key hashes the backend kind, the model fingerprint (checkpoint files for
``hf:``, model name and public URL for APIs), the prompt, the image bytes and the generation
settings: a new checkpoint under the same name misses. Keys and rows hold no secret. A remote
judge's verdicts live in their own table, keyed by judge, rubric, query and response.

Claims let concurrent processes split work: the first to claim a key produces it, the others
wait for its row. A claim from another run, or from a process that is gone, is stale.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.verdicts import Judgement

SCHEMA_VERSION = 2
INIT_WAIT_S = 30.0  # how long to retry opening a cache another process is creating
SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, backend TEXT NOT NULL, model TEXT NOT NULL, uid TEXT NOT NULL,
    text TEXT, error TEXT, attempts INTEGER NOT NULL, run TEXT NOT NULL, created REAL NOT NULL,
    spec TEXT, blocked TEXT
);
CREATE TABLE IF NOT EXISTS verdicts (
    key TEXT PRIMARY KEY, judge TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL,
    raw TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY, run TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    claimed REAL NOT NULL
);
"""


def response_key(backend: str, model: str, prompt: str, image_sha: str, settings: dict) -> str:
    """sha256 over everything that decides a response (never a secret)."""
    payload = json.dumps(
        {"backend": backend, "model": model, "prompt": prompt, "image": image_sha,
         "settings": settings},
        sort_keys=True, ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _pid_alive(pid: int) -> bool:
    """True while process ``pid`` runs. A killed process that nobody has reaped yet (a zombie:
    a crashed xdist worker) is dead: its claims must pass to the living."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc here: kill() is all we can know
    return state not in (b"Z", b"X")


@dataclass(frozen=True)
class Stored:
    """A cached outcome. ``fresh``: produced by this run (its requests count in this run)."""

    text: str | None
    error: str | None
    attempts: int
    fresh: bool
    blocked: str | None = None  # the provider's reason when it blocked the answer


def _add_spec_column(db: sqlite3.Connection) -> None:
    """Give a cache written before responses named their model (``spec``) or recorded a
    provider's block (``blocked``) the columns, as NULL: its rows stay readable (counted under
    their fingerprint alone, not blocked). Under the write lock, so concurrent openers add each
    once."""
    db.execute("BEGIN IMMEDIATE")
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(responses)")}
        for column in ("spec", "blocked"):
            if column not in columns:
                db.execute(f"ALTER TABLE responses ADD COLUMN {column} TEXT")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class ModelStats:
    """The cached responses of one model fingerprint: the model names (``--vlm`` specs) that
    stored them (none for rows from a cache older than the column), the answers (what a run can
    reuse) and the errors (kept for the run that met them only)."""

    fingerprint: str
    specs: tuple[str, ...]
    answers: int
    errors: int


@dataclass(frozen=True)
class CacheStats:
    """What ``vscbench cache stats`` shows: the rows by model fingerprint, the judge verdicts
    and the file size. ``responses`` counts every stored row, answers and errors alike: what
    ``clear`` removes."""

    path: str
    models: list[ModelStats]
    verdicts: int
    size_bytes: int

    @property
    def responses(self) -> int:
        return sum(m.answers + m.errors for m in self.models)

    @property
    def answers(self) -> int:
        return sum(m.answers for m in self.models)


class _Connection:
    """One thread's sqlite connection and the lock its statements run under."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.lock = threading.RLock()
        self.closed = False


class ResponseCache:
    """One connection per process (and per thread: sqlite connections are not shared)."""

    def __init__(self, path: Path, run: str, *, refresh: bool = False) -> None:
        self.path = Path(path)
        self.run = run
        self.refresh = refresh
        self.host = os.uname().nodename
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[_Connection] = []
        # xdist workers open a new file at the same moment: switching it to WAL can answer
        # "database is locked" at once, without waiting on the busy timeout, so try again.
        deadline = time.monotonic() + INIT_WAIT_S
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._init_schema()
                return
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.02)
                    continue
                raise VscError(f"--vsc-cache: cannot open {self.path}: {exc}") from None
            except (OSError, sqlite3.Error) as exc:
                raise VscError(f"--vsc-cache: cannot open {self.path}: {exc}") from None

    def _init_schema(self) -> None:
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise VscError(f"--vsc-cache: {self.path} has cache format {version}, this "
                               f"version reads {SCHEMA_VERSION}: run `vscbench cache clear`")
            db.executescript(SCHEMA)
            _add_spec_column(db)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once; sqlite connections are not shared), held
        under its lock so that ``close`` from another thread waits for the statement."""
        conn = getattr(self._local, "conn", None)
        while True:
            if conn is None:
                db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                     check_same_thread=False)
                db.execute("PRAGMA busy_timeout=60000")
                db.execute("PRAGMA synchronous=NORMAL")
                conn = self._local.conn = _Connection(db)
                with self._lock:
                    self._all.append(conn)
            with conn.lock:
                if not conn.closed:
                    yield conn.db
                    return
            conn = None  # closed while this thread waited for it: open another

    def close(self) -> None:
        """Close every connection this object opened, each once its running statement ends.

        Closing a connection while another thread runs a statement on it crashes the
        interpreter (a segmentation fault, not an exception). After ``close`` a thread that
        uses the cache again opens a new connection, also when it was waiting for its old one.
        """
        with self._lock:
            connections, self._all = self._all, []
            self._local = threading.local()
        for conn in connections:
            with conn.lock:
                conn.db.close()
                conn.closed = True

    def _usable(self) -> tuple[str, tuple[str, ...]]:
        """Rows that count: this run's (answers and errors); other runs' answers unless refreshing."""
        if self.refresh:
            return "run=?", (self.run,)
        return "(run=? OR error IS NULL)", (self.run,)

    def get(self, key: str) -> Stored | None:
        """The stored outcome of ``key``, or None. An error is kept for this run only."""
        where, args = self._usable()
        with self._connect() as db:
            row = db.execute(
                f"SELECT text, error, attempts, run, blocked FROM responses WHERE key=? AND {where}",
                (key, *args)).fetchone()
        if row is None:
            return None
        return Stored(row[0], row[1], row[2], row[3] == self.run, row[4])

    def put(self, key: str, *, backend: str, model: str, uid: str, text: str | None,
            error: str | None, attempts: int, spec: str | None = None,
            blocked: str | None = None) -> None:
        """Store an outcome (before anyone judges it) and drop its claim. ``model`` is the
        fingerprint (in the key); ``spec`` the name the user gave (``--vlm``), for ``stats``."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT OR REPLACE INTO responses "
                    "(key, backend, model, uid, text, error, attempts, run, created, spec, blocked) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, backend, model, uid, text, error, attempts, self.run, time.time(), spec,
                     blocked),
                )
                db.execute("DELETE FROM claims WHERE key=?", (key,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def get_verdict(self, key: str) -> Judgement | None:
        """A remote judge's stored verdict (only usable answers are stored), or None."""
        if self.refresh:
            return None
        with self._connect() as db:
            row = db.execute("SELECT verdict, reason, raw FROM verdicts WHERE key=?", (key,)).fetchone()
        return Judgement(*row) if row is not None else None

    def put_verdict(self, key: str, judge: str, judgement: Judgement) -> None:
        """Store a remote judge's verdict (see ``judges_llm.verdict_key``)."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO verdicts (key, judge, verdict, reason, raw, created) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (key, judge, judgement.verdict, judgement.reason, judgement.raw, time.time()))

    def claim(self, key: str) -> bool:
        """True when this process may produce ``key``: no response yet, no live claim by another."""
        pid = os.getpid()
        where, args = self._usable()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute(f"SELECT 1 FROM responses WHERE key=? AND {where}",
                              (key, *args)).fetchone() is not None:
                    db.execute("COMMIT")
                    return False  # produced since the caller looked: it reads the row
                row = db.execute("SELECT run, pid, host FROM claims WHERE key=?", (key,)).fetchone()
                live = row is not None and row[0] == self.run and (
                    row[1] == pid or row[2] != self.host or _pid_alive(row[1]))
                if live and row[1] != pid:
                    db.execute("COMMIT")
                    return False
                db.execute(
                    "INSERT OR REPLACE INTO claims (key, run, pid, host, claimed) VALUES (?, ?, ?, ?, ?)",
                    (key, self.run, pid, self.host, time.time()),
                )
                db.execute("COMMIT")
                return True
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def release(self, key: str) -> None:
        """Drop this process's claim on ``key`` without storing a row (best effort: the disk
        may be too full even for that; errors are ignored)."""
        try:
            with self._connect() as db:
                db.execute("DELETE FROM claims WHERE key=? AND pid=?", (key, os.getpid()))
        except (OSError, sqlite3.Error):
            pass

    def stats(self) -> CacheStats:
        """Every stored response row by model fingerprint (answers and errors apart), with the
        model names that stored them; the judge verdicts; the size of the file and its WAL."""
        models: dict[str, dict] = {}
        with self._connect() as db:
            rows = db.execute("SELECT model, spec, error IS NULL, COUNT(*) FROM responses "
                              "GROUP BY model, spec, error IS NULL ORDER BY model")
            for fingerprint, spec, answered, count in rows:
                entry = models.setdefault(fingerprint, {"specs": set(), "answers": 0, "errors": 0})
                if spec is not None:
                    entry["specs"].add(spec)
                entry["answers" if answered else "errors"] += count
            verdicts = db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return CacheStats(str(self.path), [ModelStats(fingerprint, tuple(sorted(e["specs"])), e["answers"],
                                                      e["errors"]) for fingerprint, e in models.items()],
                          verdicts, size)

    def clear(self, model: str | None = None) -> int:
        """Delete every response row (answers and errors), claim and judge verdict, or one
        model's response rows (``model``: a fingerprint or a model name, as ``stats`` shows
        them); returns how many response rows went, the count ``stats`` calls responses."""
        with self._connect() as db:
            if model is None:
                count = db.execute("DELETE FROM responses").rowcount
                db.execute("DELETE FROM claims")
                db.execute("DELETE FROM verdicts")
            else:
                count = db.execute("DELETE FROM responses WHERE model=? OR spec=?", (model, model)).rowcount
        return count
