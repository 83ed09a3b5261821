"""Files that past commits like the task changed: a task often resembles the message of an earlier commit
(a bug fixed in the same place, a feature extended), and that commit's files are where such work happens.
The idea is BugLocator's "similar fixed bug reports" (Zhou et al., ICSE 2012), with commit messages as the
reports: BM25 of the task against every message, and each of the best-matching commits votes for the files
it changed, 1/sqrt(files) so a sweeping commit says less about each of its files.

    past = PastChanges(commits(root))
    past.file_scores(query.terms)   # {"django/db/models/query.py": (7.3, "Fixed #31496 -- Fixed ..."), ...}
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .history import MAX_FILES_PER_COMMIT, Commit
from .redact import scrub
from .task import lexical_terms

VOTERS = 50  # the best-matching commits that vote for their files
SUBJECT_CHARS = 80  # of the best voter's subject, in a file's reason


class PastChanges:
    """A BM25 index of commit messages (built once per HEAD by its owner, the engine)."""

    def __init__(self, log: Sequence[Commit]):
        import bm25s  # with scipy under it: paid by a pack, not by every command that imports the engine

        self._log = [c for c in log if 1 <= len(c.files) <= MAX_FILES_PER_COMMIT]
        docs = [lexical_terms(c.message) for c in self._log]
        self._bm25 = None
        if any(docs):
            self._bm25 = bm25s.BM25()
            self._bm25.index([d or [""] for d in docs], show_progress=False)

    def file_scores(self, terms: Sequence[str]) -> dict[str, tuple[float, str]]:
        """Each file the best-matching commits changed: its votes and the subject of its best voter."""
        if self._bm25 is None or not terms:
            return {}
        scores = self._bm25.get_scores(list(terms))
        order = np.argsort(-scores, kind="stable")[:VOTERS]
        votes: dict[str, tuple[float, str]] = {}
        for i in order:
            if scores[i] <= 0:
                break
            commit = self._log[i]
            share = float(scores[i]) / math.sqrt(len(commit.files))
            subject = scrub(commit.message.split("\n", 1)[0], "COMMIT_EDITMSG")[:SUBJECT_CHARS]  # a reason prints it
            for path in commit.files:
                total, best = votes.get(path, (0.0, subject))
                votes[path] = (total + share, best)
        return votes
