"""Budgeted selection at file / snippet / skeleton granularity, counted exactly.

One greedy pass over candidates — a small file whole, a definition of a ranked file (with the headers
of its enclosing definitions), a file's import block — taken in order of expected value per token,
then signature skeletons of the files not yet shown. The expected value is a prior by position,
measured on real tasks (SWE-bench dev set, benchmarks/): the r-th ranked file is an edit target with a
probability falling about as 1/(r+1)^2, and within such a file the k-th ranked definition is the
first one that holds an edit about as often as 1/(k+1)^1.4 (`Priors`). Ranks, not raw scores, carry the
prior: their order is what the ranking gets right. The definition model's probability as the prior was tried
(`Priors.model_share`, benchmarks/pack_priors.py): a few dev tasks better, the commit tasks of other
languages worse.

Every step counts the item's text (an upper bound, exact at the end); a step that would pass the limit
is not taken, so `used <= limit` always.

    result = Packer(ranking, sources, tokenizer, budget=8000).run()
    result.items, result.omitted, result.used
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from . import focus
from .languages import DOC_IN_LINES
from .lexical import Chunk, terms_of
from .rank import ChunkCandidate, FileCandidate, Ranking
from .redact import Redactor
from .store import DefinitionRow
from .tokens import Tokenizer

GAP = "⋮"  # stands for elided lines between ranges
_SMALL_FILE = 350  # tokens: a file this small is shown whole rather than cut
_HEADER_LINES = 8
_ATTRIBUTE_LINES = 60  # an attribute longer than this is not searched to its end (a stray bracket)
_CHUNKS_PER_FILE = 20
_IMPORTS_PRIOR = 0.1  # the import block, next to a shown definition: an edit site about that often
_MIN_COST = 50  # tokens: cheaper items are not preferred for being cheaper still
_FOCUS_MIN_COST = 600  # tokens: a definition dearer than this also offers the window the task points at
_FOCUS_PRIOR = 0.5  # that window holds the definition's edit about this often


@dataclass(frozen=True)
class Priors:
    """The packer's numbers: how likely a candidate is to hold the edit, before its cost (the value a greedy
    step divides by tokens), and which gaps a snippet shows.

    File: 1 / (r + 1) ** file_decay for the r-th ranked file. Definition: within its file, a weighted
    geometric mean of the definition model's probability (`ChunkCandidate.score`) and a prior by rank,
    1 / (k + 1) ** chunk_decay: `model_share` 0 is the rank alone, 1 the probability alone.
    `fill_gap_tokens`: a snippet's gap between two shown ranges that costs at most this many tokens is shown
    too, and paid for (what lies between two shown neighbours is often the edit: a two-line nested function,
    a method body between its signature and the next); 0: never. 24, out of fold on the dev set: hit +1/-0,
    +1/-0, +1/-1 tasks at 2k/8k/16k, line recall +0.6 to +0.9 points; on the commit tasks of eight other
    languages +2/-1, +3/-1, +3/-1 (benchmarks/results/pack_fill_gaps.md)."""

    file_decay: float = 2.0
    chunk_decay: float = 1.4
    model_share: float = 0.0
    fill_gap_tokens: int = 24

    def of_file(self, rank: int) -> float:
        return 1 / (rank + 1) ** self.file_decay

    def of_definition(self, file_prior: float, rank: int, probability: float) -> float:
        """The prior of a file's rank-th definition (`file_prior` times its own; with model_share 0, exactly
        file_prior / (rank + 1) ** chunk_decay)."""
        share = self.model_share
        return file_prior / (rank + 1) ** (self.chunk_decay * (1 - share)) * probability ** share


DEFAULT_PRIORS = Priors()


@dataclass
class SourceFile:
    """One version of a file as the packer sees it: lines (secrets redacted on demand), definitions,
    sha256. Everything derived from it is a function of that content, memoised here, so an engine that
    keeps the object between packs (see `sources.py`) pays for each only once."""

    path: str
    language: str
    sha256: str
    lines: list[str]
    definitions: list[DefinitionRow]
    line_tokens: list[int | None]  # tokens of each line with its newline, counted alone, filled on demand
    count: Callable[[str], int]  # exact tokens of a text (the whole file)
    import_lines: list[int] = field(default_factory=list)  # first lines of the file's import statements
    count_line: Callable[[str], int] | None = None  # the same for one line (memoised); None: `count`
    redactor: Redactor = field(init=False)
    _whole: int | None = None
    _headers: dict[int, tuple[int, int]] = field(init=False, default_factory=dict)  # start line → header
    _by_qualname: dict[str, DefinitionRow] | None = field(init=False, default=None)
    _imports: list[tuple[int, int]] | None = field(init=False, default=None)
    _skeleton: list[tuple[int, int]] | None = field(init=False, default=None)
    _chars: int | None = field(init=False, default=None)
    _span_costs: dict[tuple, int] = field(init=False, default_factory=dict)  # (lines, gap) → cost
    _with_headers: dict[tuple, list[tuple[int, int]]] = field(init=False, default_factory=dict)
    _line_terms: dict[int, frozenset[str]] = field(init=False, default_factory=dict)  # line → its index terms
    _termed: set[tuple] = field(init=False, default_factory=set)  # definitions' lines whose terms are found

    def __post_init__(self) -> None:
        self.redactor = Redactor(self.lines, self.path)
        # found now, before any pack can share this object: the lazy scan fills a set in place
        self.redactor._key_lines  # noqa: B018

    def cost(self, ranges: list[tuple[int, int]], gap: int) -> int:
        """Tokens of the rendered ranges. A whole file is counted exactly in one call; other ranges add
        up per-line counts (each line counted once, when first needed): BPE merges across a line break
        only ever lower the count, so that sum is an upper bound (typically 1-2 % above exact)."""
        if ranges == [(1, len(self.lines))]:
            if self._whole is None:
                self._whole = self.count("".join(ln + "\n" for ln in self.lines))
            return self._whole
        counts, total = self.line_tokens, gap * max(len(ranges) - 1, 0)
        for a, b in ranges:
            try:
                total += sum(counts[a - 1:b])
            except TypeError:  # a line not counted yet (None): count those, once
                count = self.count_line or self.count
                for i in range(a - 1, b):
                    if counts[i] is None:
                        counts[i] = count(self.lines[i] + "\n")
                total += sum(counts[a - 1:b])
        return total

    def clamp(self, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Ranges merged and cut to the file's lines (an index may describe a longer older version)."""
        n = len(self.lines)
        return merge_ranges([(a if a > 1 else 1, b if b < n else n) for a, b in ranges if a <= n and b >= 1 and a <= b])

    def fill_gaps(self, ranges: list[tuple[int, int]], tokens: int, gap: int) -> list[tuple[int, int]]:
        """Sorted disjoint `ranges` with each gap between two of them that costs at most `tokens` (the gap
        marker it replaces deducted) shown too. Every line costs a token at least, so only gaps of at most
        `tokens` + `gap` lines are counted. A range of blank lines (the separators a module-level chunk
        holds) anchors no fill: between two of them lies a whole unrelated definition, not a missing part."""
        out = ranges[:1]
        for a, b in ranges[1:]:
            end = out[-1][1]
            if (a - end - 1 <= tokens + gap and self._shows_code(*out[-1]) and self._shows_code(a, b)
                    and self.cost([(end + 1, a - 1)], gap) - gap <= tokens):
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        return out

    def _shows_code(self, a: int, b: int) -> bool:
        return any(self.lines[i].strip() for i in range(a - 1, b))

    def span_cost(self, lines: tuple[tuple[int, int], ...], gap: int) -> int:
        """`cost` of a chunk's own ranges, clamped to the file."""
        key = (lines, gap)
        n = self._span_costs.get(key)
        if n is None:
            n = self._span_costs[key] = self.cost(self.clamp(list(lines)), gap)
        return n

    def with_headers(self, chunk: Chunk) -> list[tuple[int, int]]:
        """A definition's own lines plus the signature lines of its enclosing definitions."""
        key = (chunk.name, chunk.lines)
        ranges = self._with_headers.get(key)
        if ranges is None:
            ranges = list(chunk.lines)
            defs = self.by_qualname
            parent = defs.get(chunk.name)
            parent = defs.get(parent.parent) if parent is not None and parent.parent else None
            while parent is not None:
                ranges.append(self.header(parent.start_line))
                parent = defs.get(parent.parent) if parent.parent else None
            self._with_headers[key] = ranges
        return list(ranges)

    def focused(self, chunk: Chunk, terms: frozenset[str]) -> list[tuple[int, int]] | None:
        """A large definition's signature, the window of it the task's terms point at (focus.py) and the
        signatures enclosing it; None when none of its lines holds a task term."""
        if chunk.lines not in self._termed:  # the terms of the lines the window reads, found once
            for _a, _b, first, last in focus.searched(chunk.lines, len(self.lines)):
                for n in range(first, last + 1):
                    self.terms_of_line(n)
            self._termed.add(chunk.lines)
        span = focus.window(self.lines, chunk.lines, terms, self._line_terms.__getitem__)
        if span is None:
            return None
        head = [r for r in self.with_headers(chunk) if r not in chunk.lines]
        return head + [self.header(chunk.start), span]

    def terms_of_line(self, n: int) -> frozenset[str]:
        found = self._line_terms.get(n)
        if found is None:
            found = self._line_terms[n] = frozenset(terms_of(self.lines[n - 1]))
        return found

    @property
    def chars(self) -> int:
        if self._chars is None:
            self._chars = sum(map(len, self.lines))
        return self._chars

    @property
    def by_qualname(self) -> dict[str, DefinitionRow]:
        if self._by_qualname is None:
            self._by_qualname = {d.qualname: d for d in self.definitions}
        return self._by_qualname

    def imports(self) -> list[tuple[int, int]]:
        """Ranges of the file's import statements outside any definition, each extended to its closing
        bracket, with short gaps between them (blank lines, comments) closed."""
        if self._imports is not None:
            return list(self._imports)
        # top-level definitions only: nested ones lie inside them, and there are far fewer of them
        inner = [(d.start_line, d.end_line) for d in self.definitions if d.parent is None and d.kind != "variable"]
        out = []
        for ln in self.import_lines:
            if ln > len(self.lines) or any(a < ln <= b for a, b in inner):
                continue
            end, depth = ln, 0
            while end <= len(self.lines) and end < ln + 60:
                code = self.lines[end - 1]
                depth += code.count("(") + code.count("{") - code.count(")") - code.count("}")
                if depth <= 0 and not code.rstrip().endswith("\\"):
                    break
                end += 1
            out.append((ln, min(end, len(self.lines))))
        self._imports = merge_ranges(out, slack=2)
        return list(self._imports)

    def header(self, start: int) -> tuple[int, int]:
        """First and last line of the signature of the definition that starts at `start` (decorators and
        multi-line parameters in). Where a definition begins at its doc comment (Rust: DOC_IN_LINES),
        the doc is left out and the `#[…]` attributes between it and the signature are in, however long."""
        found = self._headers.get(start)
        if found is None:
            first = code = start
            if self.language in DOC_IN_LINES:
                first = self._after_comments(start)
                code = self._after_attributes(first)
            found = self._headers[start] = (first, self._header_end(code))
        return found

    def _after_comments(self, start: int) -> int:
        """The first line from `start` on that is not in a `//` or `/* … */` comment (`start` if none is)."""
        in_block = False
        for n in range(start, len(self.lines) + 1):
            text = self.lines[n - 1].strip()
            if in_block:
                in_block = "*/" not in text
            elif text.startswith("/*"):
                in_block = "*/" not in text[2:]
            elif not text.startswith("//"):
                return n
        return start

    def _after_attributes(self, start: int) -> int:
        """The first line from `start` on past the `#[…]` attributes (and comments among them) that open
        there, their brackets counted; `start` if they do not close within _ATTRIBUTE_LINES."""
        depth = 0
        for n in range(start, min(start + _ATTRIBUTE_LINES, len(self.lines) + 1)):
            text = self.lines[n - 1].strip()
            if depth == 0 and text.startswith("//"):
                continue
            if depth == 0 and not text.startswith("#["):
                return n
            depth += text.count("[") - text.count("]")
        return start

    def _header_end(self, start: int) -> int:
        last = min(start + _HEADER_LINES - 1, len(self.lines))
        for n in range(start, last + 1):
            code = self.lines[n - 1].rstrip()
            if self.language == "python":
                code = code.split("#", 1)[0].rstrip()
            if code.endswith((":", "{")) or (self.language != "python" and code.endswith(";")):
                return n
        return start

    def skeleton(self) -> list[tuple[int, int]]:
        """The signature lines of every definition but variables."""
        if self._skeleton is None:
            self._skeleton = [self.header(d.start_line) for d in self.definitions
                              if d.kind not in ("variable",) and d.start_line <= len(self.lines)]
        return list(self._skeleton)


class _Focus(NamedTuple):
    """The window of a large definition where the task's terms gather (with its headers)."""

    chunk: ChunkCandidate
    ranges: list[tuple[int, int]]


class _Candidate(NamedTuple):
    value: float  # prior / tokens
    file_rank: int
    chunk_rank: int
    file: FileCandidate
    what: str | ChunkCandidate | _Focus | list[tuple[int, int]]  # "file", a definition (or a window of one),
    # or the import ranges


@dataclass
class Selection:
    kind: str  # file | snippet | skeleton
    ranges: list[tuple[int, int]]
    content: str
    tokens: int
    score: float
    reasons: list[str]

    def shows(self, chunk: Chunk) -> bool:
        return all(any(a <= x and y <= b for a, b in self.ranges) for x, y in chunk.lines)


@dataclass
class PackResult:
    items: list[tuple[FileCandidate, Selection]]
    omitted: list[tuple[FileCandidate, Selection]]
    used: int
    redacted: dict[str, dict[int, str]]


def merge_ranges(ranges: list[tuple[int, int]], slack: int = 0) -> list[tuple[int, int]]:
    """Sorted, overlapping or adjacent ranges joined; `slack` also closes gaps of up to that many lines."""
    out: list[tuple[int, int]] = []
    if not ranges:
        return out
    ordered = iter(sorted(ranges))
    start, end = next(ordered)
    for a, b in ordered:
        if a <= end + 1 + slack:
            if b > end:
                end = b
        else:
            out.append((start, end))
            start, end = a, b
    out.append((start, end))
    return out


def render(src: SourceFile, ranges: list[tuple[int, int]]) -> str:
    """The text an item shows: its ranges, secrets redacted, joined by a gap marker."""
    line = src.redactor.line
    return (GAP + "\n").join("".join(line(n) + "\n" for n in range(a, b + 1)) for a, b in ranges)


class Packer:
    def __init__(self, ranking: Ranking, sources: dict[str, SourceFile], tokenizer: Tokenizer, budget: int,
                 always: list[FileCandidate] = (), terms: Collection[str] = (), priors: Priors = DEFAULT_PRIORS):
        """`always`: files shown whole before anything the ranking chooses, when they fit (the repository's
        `[defaults] include` and `[contract] rules`); they come first in the bundle. `terms`: the task's
        lexical terms, which point into large definitions (focus.py)."""
        self.ranking = ranking
        self.priors = priors
        self.terms = frozenset(terms)
        self.sources = sources
        self.tok = tokenizer
        self.budget = budget
        self.always = [f for f in always if f.path in sources]
        self.used = 0
        self.chosen: dict[str, Selection] = {}
        self.order: list[str] = []
        self.cand = {f.path: f for f in ranking.files} | {f.path: f for f in self.always}
        self.rank_of = {f.path: i for i, f in enumerate(ranking.files)} | {
            f.path: i - len(self.always) for i, f in enumerate(self.always)}
        self.gap = tokenizer.count(GAP + "\n")

    # -- the one way to change the selection: counted (upper bound), never over the limit ----------
    def _try(self, path: str, kind: str, ranges: list[tuple[int, int]], reasons: list[str],
             chunk: ChunkCandidate | None = None) -> bool:
        """`chunk`: the definition whose reasons follow `reasons` (read only when the step is taken)."""
        src = self.sources[path]
        ranges = [(1, len(src.lines))] if kind == "file" else src.clamp(ranges)
        if kind == "snippet" and self.priors.fill_gap_tokens:
            ranges = src.fill_gaps(ranges, self.priors.fill_gap_tokens, self.gap)
        if not ranges:
            return False
        n = src.cost(ranges, self.gap)
        old = self.chosen.get(path)
        if self.used - (old.tokens if old else 0) + n > self.budget:
            return False
        merged = list(dict.fromkeys((old.reasons if old else []) + reasons + (chunk.reasons if chunk else [])))
        self.chosen[path] = Selection(kind, ranges, "", n, self.cand[path].score, merged)
        self.used += n - (old.tokens if old else 0)
        if old is None:
            self.order.append(path)
        return True

    def _current(self, path: str) -> list[tuple[int, int]]:
        sel = self.chosen.get(path)
        return list(sel.ranges) if sel and sel.kind == "snippet" else []

    def run(self) -> PackResult:
        files = [f for f in self.ranking.files if f.path in self.sources]
        if self.budget <= 0:
            return self._result(files)
        for f in self.always:
            self._try(f.path, "file", [], f.reasons)
        for *_, f, what in self._candidates(files):
            sel = self.chosen.get(f.path)
            if what == "file":
                if sel is None:
                    self._try(f.path, "file", [], f.reasons)
            elif sel is not None and sel.kind == "file":
                continue
            elif isinstance(what, ChunkCandidate):
                if sel is None or not sel.shows(what.chunk):
                    ranges = self._current(f.path) + self.sources[f.path].with_headers(what.chunk)
                    self._try(f.path, "snippet", ranges, f.reasons if sel is None else [], what)
            elif isinstance(what, _Focus):
                if sel is None or not sel.shows(what.chunk.chunk):
                    self._try(f.path, "snippet", self._current(f.path) + what.ranges,
                              f.reasons if sel is None else [], what.chunk)
            elif sel is not None:  # the import block joins a file already shown
                self._try(f.path, "snippet", self._current(f.path) + what, ["its imports"])
        for f in files:  # breadth: skeletons of the files not yet shown
            if f.path not in self.chosen:
                ranges = self.sources[f.path].skeleton()
                if ranges:
                    self._try(f.path, "skeleton", ranges, f.reasons)
        self._finalize()
        return self._result(files)

    def _candidates(self, files: list[FileCandidate]) -> list[_Candidate]:
        """Everything worth showing, best value per token first (ties by position: deterministic)."""
        out: list[_Candidate] = []
        for r, f in enumerate(files):
            src = self.sources[f.path]
            prior = self.priors.of_file(r)
            # code runs 3-4 characters a token; a file over 12 a token's worth is not small: don't count it
            small = 0 < src.chars <= _SMALL_FILE * 12
            whole = small and src.cost([(1, len(src.lines))], self.gap)
            if whole and whole <= _SMALL_FILE:
                out.append(_Candidate(prior / max(whole, _MIN_COST), r, 0, f, "file"))
                continue
            chunks = self.ranking.scored(f.path, _CHUNKS_PER_FILE)
            for k, c in enumerate(chunks):
                cost = src.span_cost(c.chunk.lines, self.gap)
                value = self.priors.of_definition(prior, k, c.score)
                out.append(_Candidate(value / max(cost, _MIN_COST), r, k, f, c))
                if cost > _FOCUS_MIN_COST and self.terms and (ranges := src.focused(c.chunk, self.terms)):
                    cost = src.cost(src.clamp(ranges), self.gap)
                    out.append(_Candidate(value * _FOCUS_PRIOR / max(cost, _MIN_COST), r, k, f, _Focus(c, ranges)))
            if chunks and (imports := src.imports()):
                cost = src.cost(imports, self.gap)
                out.append(_Candidate(prior * _IMPORTS_PRIOR / max(cost, _MIN_COST), r, len(chunks), f, imports))
        out.sort(key=lambda c: (-c.value, c.file_rank, c.chunk_rank))
        return out

    def _finalize(self) -> None:
        """Render what was chosen with secrets replaced and count it exactly; if that ever passes the
        limit (a secret can be shorter than its marker), drop the lowest-ranked items until it fits."""
        for path in self.order:
            sel = self.chosen[path]
            sel.content = render(self.sources[path], sel.ranges)
            sel.tokens = self.tok.count_text(sel.content)
        self.used = sum(self.chosen[p].tokens for p in self.order)
        while self.used > self.budget and self.order:
            worst = min(self.order, key=lambda p: (self.chosen[p].score, p))
            self.used -= self.chosen.pop(worst).tokens
            self.order.remove(worst)

    def _result(self, files: list[FileCandidate]) -> PackResult:
        items = [(self.cand[p], self.chosen[p]) for p in sorted(self.order, key=self.rank_of.__getitem__)]
        omitted = []
        for f in files:
            if len(omitted) >= 10:
                break
            src = self.sources[f.path]
            sel = self.chosen.get(f.path)
            if sel is not None and sel.kind == "file":
                continue
            if sel is None:
                if not src.lines:
                    continue  # an empty file costs nothing and shows nothing
                ranges = [(1, len(src.lines))]
                kind = "file"
            else:
                nxt = next((c for c in self.ranking.chunks_in(f.path) if not sel.shows(c.chunk)), None)
                if nxt is None:
                    continue
                ranges, kind = src.clamp(list(nxt.chunk.lines)), "snippet"
            omitted.append((f, Selection(kind, ranges, "", src.cost(ranges, self.gap), f.score, f.reasons)))
        redacted = {p: dict(s.redactor.found) for p, s in self.sources.items() if s.redactor.found and p in self.chosen}
        return PackResult(items, omitted, self.used, redacted)
