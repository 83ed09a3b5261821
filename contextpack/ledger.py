"""The spend ledger: every bundle any surface produced (id, repository, task type, budget, tokens packed,
items, time), the outcome an agent or person reports for it, and the verdict `verify` gave; figures per
task type. One SQLite file per user, across repositories. No task text or code is stored unless asked
(`keep_text`: `[ledger] keep_text = true` in .contextpack/config.toml, or CONTEXTPACK_LEDGER_KEEP_TEXT=1).

    ledger = Ledger.open(default_ledger_path())
    ledger.record(entry_of(bundle, root))
    ledger.feedback(bundle.id, "success", tokens_spent=41_000)
    ledger.stats_by_type(repo=root, since=None)      # [TypeStats(type="bugfix", bundles=12, …), …]
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .bundle import Bundle
from .discovery import cache_dir
from .errors import NotFoundError, RequestError

OUTCOMES = ("success", "failure", "abandoned")
MAX_TOKENS_SPENT = 10**12  # tokens one task's work took, at most: more is a typo, and SQLite stops at 2**63
LEDGER_FILE = "ledger.sqlite"
SCHEMA_VERSION = "1"
MIN_ID_PREFIX = 8  # feedback accepts a bundle id prefix of at least this many characters
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bundles (
    id TEXT PRIMARY KEY, repo TEXT NOT NULL, root TEXT NOT NULL, task_type TEXT NOT NULL,
    budget INTEGER NOT NULL, used INTEGER NOT NULL, items INTEGER NOT NULL, created REAL NOT NULL,
    parent TEXT, task_text TEXT);
CREATE INDEX IF NOT EXISTS bundles_created ON bundles(created);
CREATE TABLE IF NOT EXISTS outcomes (
    bundle_id TEXT PRIMARY KEY, outcome TEXT NOT NULL, tokens_spent INTEGER, note TEXT, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS verdicts (bundle_id TEXT PRIMARY KEY, verdict TEXT NOT NULL, at REAL NOT NULL);
"""


def default_ledger_path() -> Path:
    """$CONTEXTPACK_LEDGER, else ledger/ledger.sqlite beside the indexes ($CONTEXTPACK_INDEX_DIR or user cache)."""
    if explicit := os.environ.get("CONTEXTPACK_LEDGER"):
        return Path(explicit)
    return cache_dir() / "ledger" / LEDGER_FILE


@dataclass(frozen=True)
class Entry:
    id: str
    repo: str  # the repository's name (its root directory's name)
    root: str  # its absolute root
    task_type: str
    budget: int
    used: int
    items: int
    created: float  # unix time
    parent: str | None = None
    task_text: str | None = None


def entry_of(bundle: Bundle, root: Path | str, keep_text: bool = False, now: float | None = None) -> Entry:
    return Entry(id=bundle.id, repo=bundle.repo.root, root=str(root), task_type=bundle.task.type,
                 budget=bundle.budget.limit, used=bundle.budget.used, items=len(bundle.items),
                 created=time.time() if now is None else now, parent=bundle.parent,
                 task_text=bundle.task.text if keep_text else None)


@dataclass(frozen=True)
class TypeStats:
    type: str
    bundles: int
    packed_median: float
    packed_p90: int
    spent_median: float | None  # over bundles with tokens_spent reported
    spent_p90: int | None
    outcomes: int  # bundles with an outcome
    successes: int
    success_rate: float | None  # successes / outcomes
    tokens_per_success: float | None  # (spent, else packed) over bundles with an outcome / successes


def p90(values: list[int]) -> int:
    """Nearest-rank 90th percentile: the ceil(0.9 n)-th smallest value."""
    xs = sorted(values)
    return xs[max(0, math.ceil(0.9 * len(xs)) - 1)]


class Ledger:
    """One SQLite ledger file; safe to share between threads (one lock) and processes (SQLite)."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path | None = None) -> Ledger:
        path = Path(path or default_ledger_path())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        except (OSError, sqlite3.Error) as err:
            raise RequestError(f"cannot open the ledger {path}: {err}") from None
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def record(self, e: Entry) -> None:
        """Record a bundle once (the same id again, the same repo state and request, is not a new bundle)."""
        with self._tx() as c:
            c.execute("INSERT OR IGNORE INTO bundles VALUES (?,?,?,?,?,?,?,?,?,?)",
                      (e.id, e.repo, e.root, e.task_type, e.budget, e.used, e.items, e.created, e.parent,
                       e.task_text))

    def resolve(self, bundle_id: str) -> str:
        """The full id of a recorded bundle from its id or an unambiguous prefix."""
        bundle_id = bundle_id.strip().lower()
        if len(bundle_id) < MIN_ID_PREFIX or not all(ch in "0123456789abcdef" for ch in bundle_id):
            raise RequestError(f"bad bundle id {bundle_id!r}: at least {MIN_ID_PREFIX} hex digits")
        rows = self.conn.execute("SELECT id FROM bundles WHERE id >= ? AND id < ? LIMIT 2",
                                 (bundle_id, bundle_id + "g")).fetchall()
        if not rows:
            raise NotFoundError(f"no bundle {bundle_id} in the ledger {self.path}")
        if len(rows) > 1:
            raise RequestError(f"bundle id prefix {bundle_id} is ambiguous; give more digits")
        return rows[0][0]

    def feedback(self, bundle_id: str, outcome: str, tokens_spent: int | None = None, note: str | None = None,
                 keep_text: bool = False, now: float | None = None) -> str:
        """Attach (or replace) the outcome of a recorded bundle; the note is kept only with `keep_text`."""
        if outcome not in OUTCOMES:
            raise RequestError(f"unknown outcome {outcome!r}; one of: {', '.join(OUTCOMES)}")
        if tokens_spent is not None and not 0 <= tokens_spent <= MAX_TOKENS_SPENT:
            raise RequestError(f"tokens spent must be from 0 to {MAX_TOKENS_SPENT:,}, got {tokens_spent}")
        full = self.resolve(bundle_id)
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO outcomes VALUES (?,?,?,?,?)",
                      (full, outcome, tokens_spent, note if keep_text else None, time.time() if now is None else now))
        return full

    def record_verdict(self, bundle_id: str, verdict: str) -> bool:
        """The verdict `verify` gave a recorded bundle's patch; False when the bundle is not in the ledger."""
        with self._tx() as c:
            if c.execute("SELECT 1 FROM bundles WHERE id=?", (bundle_id,)).fetchone() is None:
                return False
            c.execute("INSERT OR REPLACE INTO verdicts VALUES (?,?,?)", (bundle_id, verdict, time.time()))
        return True

    def stats_by_type(self, root: str | None = None, since: float | None = None) -> list[TypeStats]:
        """Figures per task type, most tokens per success first (types without a success last)."""
        sql = ("SELECT b.task_type, b.used, o.outcome, o.tokens_spent FROM bundles b "
               "LEFT JOIN outcomes o ON o.bundle_id = b.id WHERE b.parent IS NULL")
        params: list = []
        if root is not None:
            sql += " AND b.root = ?"
            params.append(root)
        if since is not None:
            sql += " AND b.created >= ?"
            params.append(since)
        by_type: dict[str, list[tuple[int, str | None, int | None]]] = {}
        for t, used, outcome, spent in self.conn.execute(sql, params):
            by_type.setdefault(t, []).append((used, outcome, spent))
        out = []
        for t, rows in by_type.items():
            packed = [u for u, _, _ in rows]
            spent = [s for _, _, s in rows if s is not None]
            judged = [(u, o, s) for u, o, s in rows if o is not None]
            wins = sum(o == "success" for _, o, _ in judged)
            cost = sum(s if s is not None else u for u, _, s in judged)
            out.append(TypeStats(
                type=t, bundles=len(rows), packed_median=statistics.median(packed), packed_p90=p90(packed),
                spent_median=statistics.median(spent) if spent else None, spent_p90=p90(spent) if spent else None,
                outcomes=len(judged), successes=wins, success_rate=wins / len(judged) if judged else None,
                tokens_per_success=cost / wins if wins else None))
        return sorted(out, key=lambda s: (s.tokens_per_success is None, -(s.tokens_per_success or 0), s.type))


def record_bundle(bundle: Bundle, root: Path | str, keep_text: bool = False) -> None:
    """Record a bundle in the user's ledger; a ledger that can't be written never fails the pack."""
    try:
        ledger = Ledger.open()
    except RequestError:
        return
    try:
        ledger.record(entry_of(bundle, root, keep_text or os.environ.get("CONTEXTPACK_LEDGER_KEEP_TEXT") == "1"))
    except sqlite3.Error:
        pass
    finally:
        ledger.close()


def record_verdict(bundle: Bundle, root: Path | str, verdict: str) -> None:
    """Record what `verify` said of a bundle's patch (the bundle too, if a surface had not recorded it)."""
    try:
        ledger = Ledger.open()
    except RequestError:
        return
    try:
        ledger.record(entry_of(bundle, root))
        ledger.record_verdict(bundle.id, verdict)
    except sqlite3.Error:
        pass
    finally:
        ledger.close()


def _since(date: str | None) -> float | None:
    if date is None:
        return None
    import datetime as dt
    try:
        d = dt.datetime.fromisoformat(date)
    except ValueError:
        raise RequestError(f"--since: not a date (YYYY-MM-DD): {date!r}") from None
    return (d if d.tzinfo else d.replace(tzinfo=dt.UTC)).timestamp()


def _num(x: float | None, fmt: str = "{:,.0f}") -> str:
    return "-" if x is None else fmt.format(x)


def render_stats(by: str, repo: Path | None = None, since: str | None = None) -> str:
    """The ledger per task type as a text table (what `contextpack stats --by type` prints)."""
    if by != "type":
        raise RequestError(f"--by: unknown grouping {by!r}; one of: type")
    from .scan import resolve_root
    root = str(resolve_root(repo)) if repo is not None else None
    ledger = Ledger.open()
    try:
        rows = ledger.stats_by_type(root, _since(since))
    finally:
        ledger.close()
    head = ("type", "bundles", "packed p50", "packed p90", "spent p50", "spent p90", "outcomes", "success",
            "tokens/success")
    table = [head] + [(s.type, str(s.bundles), _num(s.packed_median), _num(s.packed_p90), _num(s.spent_median),
                       _num(s.spent_p90), str(s.outcomes), _num(s.success_rate, "{:.0%}"),
                       _num(s.tokens_per_success)) for s in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in table]
    scope = f"repository {root}" if root else "all repositories"
    out = [f"spend ledger by task type ({scope}{', since ' + since if since else ''}; {ledger.path})", ""] + lines
    costly = [s for s in rows if s.tokens_per_success is not None]
    if costly:
        out += ["", f"most tokens per success: {costly[0].type} ({costly[0].tokens_per_success:,.0f})"]
    elif not rows:
        out += ["", "no bundles recorded yet"]
    return "\n".join(out) + "\n"
