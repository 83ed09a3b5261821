"""What each ranking signal says about each candidate file and definition: one feature column per signal,
with the reason in words. `rank.py` fuses the columns with learned weights; the training script
(benchmarks/train_ranker.py) reads the very same columns, so what is trained is what runs.

    fs = file_signals(query, graph, lexical, module_files, cochange, past)
    fs.paths[0], dict(zip(FILE_FEATURES, fs.x[0])), fs.reasons[0]      # {feature index: "why"}
    cs = chunk_signals(fs, "django/db/models/query.py")

Candidates are the union of what any signal points at (mentions, the best lexical matches, files past commits
like the task changed, graph and co-change neighbours of the strongest of them), so a file no signal notices is
never scored.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from .graph import RepoGraph, is_test_path
from .languages import CODE_LANGUAGES
from .lazyseq import LazySequence
from .lexical import KINDS, Chunk, LexicalIndex
from .past_changes import PastChanges
from .task import TaskQuery, lexical_terms, split_identifier

MANIFESTS = re.compile(r"(^|/)(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.txt|Pipfile|package\.json|"
                       r"go\.mod|Cargo\.toml|pom\.xml|build\.gradle(\.kts)?|Gemfile|composer\.json|[^/]*\.csproj)$")
_CODE_LANGS = CODE_LANGUAGES  # every language with a grammar (languages.py), not a list kept here too
_DOC_DIRS = re.compile(r"(^|/)(docs?|doc_src|examples?|samples?|benchmarks?|asv_bench|scripts|tools|tutorials?|"
                       r"galler(y|ies)|plot_types|demos?)/")
_CODE_LIKE = re.compile(r"_|[a-z][A-Z]|^[A-Z][a-z]+[A-Z]|^[A-Z0-9_]{4,}$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTAINER_KINDS = {"class", "struct", "interface", "trait", "impl", "enum"}
_FUNCTION_KINDS = {"function", "method"}
_MAX_DEFINERS = 12  # a name defined in more files than this says nothing about any one of them
WORDS_CACHED = 65_536  # names whose sub-words `_words` keeps
_WEAK = 0.05  # a lexical match under this share of the task's best is a feature, not a reason worth saying
_PATH_STOP = frozenset("src lib py init main core base utils util common tests test".split())
# words of a title that name no definition worth a signal, though some repository defines them
_TITLE_STOP = frozenset("the and for with not when should does from into that this are was use using have has can add "
                        "fix support error".split())

# candidate pool: how many files each signal may bring in
POOL_LEXICAL = 80
POOL_CHUNK = 60
POOL_GRAPH = 30
POOL_PAST = 10
COMMON_PATH_WORD = 0.5  # share of the candidates (tests aside) whose paths hold a word: then it says nothing
SEEDS = 20  # strongest candidates by the seed score seed graph proximity and co-change
# records of past changes (CHANGELOG.md, CHANGES.rst, HISTORY, NEWS, UPGRADING, release notes, towncrier fragments):
# every change is written up there, so they share words with most tasks, but the code to change is elsewhere. On
# real commits of eight languages one was among the five best files of 72 of 320 tasks (a guzzle task's 8k bundle
# gave CHANGELOG.md 2,524 tokens; benchmarks/commit_retrieval.py). A text file like this is a candidate only when
# the task names it, and never a seed (it changes with every release: co-change with it says nothing)
CHANGE_RECORDS = re.compile(
    r"(^|/)(change[-_]?log|changes|history|news|release[-_]?notes|releases|upgrading|upgrade[-_]?notes)(\.[a-z0-9]+)?$"
    r"|(^|/)(changelog|changelog\.d|changes|newsfragments)/"
    r"|(^|/)docs?/(.+/)?(releases?|(next_)?whats[-_]?new|changelog)(/|\.[a-z0-9]+$)", re.IGNORECASE)
# the seed score (before any graph signal): which candidates graph proximity and co-change start from
SEED_WEIGHTS = {"path_named": 3.0, "frame": 2.0, "defines_code_name": 1.5, "defines_word": 0.6,
                "defines_qualified": 2.0, "module_named": 0.8, "bm25_file": 1.0, "bm25_chunk": 1.0}

FILE_FEATURES = (
    "path_named",         # the task names the file's path
    "frame",              # the file is in the task's stack trace
    "frame_last",         # ... and holds its innermost frame of the repository
    "defines_code_name",  # defines a code-like name of the task (`bulk_create`, `QuerySet`), 1/sqrt(definers)
    "defines_word",       # defines a name that may be a plain word (`description`)
    "defines_qualified",  # defines `Class.member` as the task writes it
    "defines_code_span",  # defines a name the task writes as code (`Q`, `F()`)
    "defines_class",      # a class the task names is defined here
    "module_named",       # the task names the module (`django.db.models.query`)
    "bm25_file",          # BM25 of the whole file, share of the task's best
    "bm25_file_rank",     # 1 / log2(rank + 2) in BM25 order
    "bm25_chunk",         # BM25 of the file's best definition, share of the task's best
    "bm25_chunk_rank",
    "seed_rank",          # 1 / log2(rank + 2) by the seed score
    "ppr",                # personalised PageRank from the seeds, share of the best
    "neighbour",          # imports or is imported by one of the three strongest seeds
    "cochange",           # changed in the same commits as a strong seed
    "past_changes",       # changed by past commits whose messages match the task, share of the best
    "path_terms",         # share of the path's words that the task uses
    "basename_term",      # the file's name (`serializer.py`) is a word of the task
    "is_test",
    "test_for_repair",    # a test, and the task is to repair tests
    "manifest_for_upgrade",
    "not_code",
    "doc_dir",
    "is_init",
    "log_lines",          # size of the file
    "title_bm25",         # BM25 of the whole file against the task's first line, share of the best
    "title_defines",      # defines a name the task's first line writes, 1/sqrt(definers)
)
CHUNK_FEATURES = (
    "bm25",               # the definition's BM25, share of the task's best
    "bm25_in_file",       # share of the file's best
    "bm25_rank_in_file",  # 1 / log2(rank + 2)
    "named",              # its name is one the task mentions, 1/sqrt(definers)
    "named_code_span",    # ... written as code
    "member_of_named",    # a member of a class the task names
    "frame_line",         # a stack frame's line falls inside it
    "name_terms",         # share of its name's words that the task uses
    "title_bm25",         # BM25 against the task's first line, share of the file's best
    "title_name_terms",   # share of its name's words that the task's first line uses
    "is_class",
    "is_function",
    "is_module",          # module-level lines
    "is_text",            # a window of a text file
    "log_lines",
)
_F = {n: i for i, n in enumerate(FILE_FEATURES)}
_C = {n: i for i, n in enumerate(CHUNK_FEATURES)}
# chunk columns that say a definition's kind: per kind id (lexical.KINDS), the column's value
_KIND_COLUMNS = {column: np.array([kind in wanted for kind in KINDS], dtype=float) for column, wanted in (
    ("is_class", _CONTAINER_KINDS), ("is_function", _FUNCTION_KINDS), ("is_module", {"module"}), ("is_text", {"text"}))}


@dataclass
class FileSignals:
    paths: list[str]
    x: np.ndarray  # (files, FILE_FEATURES)
    reasons: list[dict[int, str]]  # per file: feature index → why
    # what definition-level signals need
    lexical: LexicalIndex
    chunk_lex: np.ndarray
    top_chunk: float
    terms: frozenset[str]
    chunk_title: np.ndarray  # every chunk's BM25 against the task's title
    title_terms: frozenset[str]
    chunk_named: dict[int, tuple[float, str]] = field(default_factory=dict)
    chunk_span: dict[int, str] = field(default_factory=dict)
    chunk_member: dict[int, tuple[float, str]] = field(default_factory=dict)
    chunk_frame: dict[int, str] = field(default_factory=dict)
    _pointed: np.ndarray | None = field(default=None, repr=False)
    # (last part of a name, of the title?) → its share: names' last parts recur (`__init__`, `get`)
    _name_terms: dict[tuple[str, bool], float] = field(default_factory=dict, repr=False)

    def name_terms(self, name: str, title: bool = False) -> float:
        """`_name_terms` of a definition's name for this task's terms, or its title's."""
        last = name.rsplit(".", 1)[-1]
        share = self._name_terms.get((last, title))
        if share is None:
            words = _words(last, 2)
            terms = self.title_terms if title else self.terms
            share = self._name_terms[last, title] = len(words & terms) / len(words) if words else 0.0
        return share

    def pointed(self) -> np.ndarray:
        """The definitions a name, a class or a stack frame points at, sorted (made once per task)."""
        if self._pointed is None:
            ids = self.chunk_named.keys() | self.chunk_span.keys() | self.chunk_member.keys() | self.chunk_frame.keys()
            self._pointed = np.array(sorted(ids), dtype=np.int64)
        return self._pointed


@dataclass
class ChunkSignals:
    chunks: list[int]  # indexes into lexical.chunks
    x: np.ndarray  # (chunks, CHUNK_FEATURES)
    reasons: Sequence[dict[int, str]]  # per row: feature index → why


def _path_hits(mention: str, lexical: LexicalIndex) -> list[str]:
    """Indexed files a mentioned path means: the same path, or one is a suffix of the other at a '/'."""
    m = mention.lstrip("/")
    return [p for p in lexical.by_basename.get(m.rsplit("/", 1)[-1], [])
            if p == m or m.endswith("/" + p) or p.endswith("/" + m)]


def _log_rank(order: list[str]) -> dict[str, float]:
    return {p: 1.0 / math.log2(r + 2) for r, p in enumerate(order)}


def _top(scores: dict[str, float], n: int) -> list[str]:
    """The n best paths by (-score, path). A monorepo scores every one of 200,000 files: the n-th best score
    is found with numpy, and only what reaches it is sorted."""
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    if len(scores) <= 4 * n or np.isnan(values).any():
        return sorted(scores, key=lambda p: (-scores[p], p))[:n]
    nth = np.partition(values, len(values) - n)[len(values) - n]
    paths = list(scores)
    above = sorted((paths[i] for i in np.flatnonzero(values > nth)), key=lambda p: (-scores[p], p))
    tied = heapq.nsmallest(n - len(above), (paths[i] for i in np.flatnonzero(values == nth)))
    return above + tied


def _change_record(path: str, lexical: LexicalIndex) -> bool:
    """A changelog, release notes or the like (CHANGE_RECORDS), not code."""
    return lexical.languages.get(path) not in _CODE_LANGS and CHANGE_RECORDS.search(path) is not None


@functools.lru_cache(maxsize=WORDS_CACHED)
def _words(name: str, min_len: int) -> frozenset[str]:
    """Sub-words of a name (a definition's, a path's): names and paths recur from task to task, and
    splitting them is the cost."""
    return frozenset(w for w in split_identifier(name) if len(w) >= min_len)


def _name_terms(name: str, terms: Collection[str]) -> float:
    """The share of a definition's name words (of its last part) that are task terms; 0 without a name."""
    words = _words(name.rsplit(".", 1)[-1], 2) if name else frozenset()
    return sum(w in terms for w in words) / len(words) if words else 0.0


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


class _Columns:
    """Feature values and reasons being gathered, per path."""

    def __init__(self) -> None:
        self.values: dict[str, dict[int, float]] = defaultdict(dict)
        self.why: dict[str, dict[int, str]] = defaultdict(dict)

    def put(self, path: str, feature: str, value: float, reason: str | None = None) -> None:
        j = _F[feature]
        if value > self.values[path].get(j, 0.0):
            self.values[path][j] = value
            if reason:
                self.why[path][j] = reason

    def add(self, path: str, feature: str, value: float, reason: str | None = None) -> None:
        j = _F[feature]
        self.values[path][j] = self.values[path].get(j, 0.0) + value
        if reason and j not in self.why[path]:
            self.why[path][j] = reason

    def get(self, path: str, feature: str) -> float:
        return self.values.get(path, {}).get(_F[feature], 0.0)


_IMPORT_AS = re.compile(r"^[ \t>]*import[ \t]+([A-Za-z_][\w.]{0,200})[ \t]+as[ \t]+([A-Za-z_]\w{0,60})[ \t\r]*$",
                        re.M)


def _module_aliases(query: TaskQuery, module_files: dict[str, str]) -> dict[str, str]:
    """`import xarray as xr` in the task's code, for modules of this repository: {"xr": "xarray"}."""
    return {alias: module for module, alias in _IMPORT_AS.findall(query.text) if module in module_files}


def _module_level(name: str, module: str, lexical: LexicalIndex, graph: RepoGraph,
                  module_files: dict[str, str]) -> list[int]:
    """Definitions `module.name` can mean: top-level `name` in the module's file or in a file it imports
    (a package re-exporting it), else anywhere in the module's package. Methods named `name` are not it."""
    mod_path = module_files[module]

    def top_level(i: int) -> bool:  # `pkg.mod.name` in the file of `pkg.mod`, not `pkg.mod.Class.name`
        c = lexical.chunks[i]
        prefix = c.name[:-len(name) - 1] if c.name.endswith("." + name) else None
        return c.name == name or (prefix is not None and module_files.get(prefix) == c.path)

    top = [i for i in lexical.by_name.get(name, []) if top_level(i)]
    near = {mod_path} | (set(graph.files.successors(mod_path)) if mod_path in graph.files else set())
    hits = [i for i in top if lexical.chunks[i].path in near]
    if not hits and mod_path.endswith("__init__.py"):
        package = mod_path.rsplit("/", 1)[0] + "/" if "/" in mod_path else ""
        hits = [i for i in top if lexical.chunks[i].path.startswith(package)]
    return hits


def _mentions(query: TaskQuery, lexical: LexicalIndex, module_files: dict[str, str], cols: _Columns,
              fs: FileSignals, graph: RepoGraph) -> None:
    """Paths, frames, modules and names the task writes, and the files that define them."""
    for m in query.paths:
        for p in _path_hits(m, lexical):
            cols.put(p, "path_named", 1.0, f"mentioned in task: `{m}`")
    repo_frames = [(f, _path_hits(f.path, lexical)) for f in query.frames if f.path]
    repo_frames = [(f, hits) for f, hits in repo_frames if hits]
    for k, (frame, hits) in enumerate(repo_frames):
        for p in hits:
            cols.put(p, "frame", 1.0, f"in stack trace: {frame.path}:{frame.line}")
            if k == len(repo_frames) - 1:
                cols.put(p, "frame_last", 1.0, f"innermost frame of the stack trace: {frame.path}:{frame.line}")
            for i in lexical.chunks_of.get(p, []):
                c = lexical.chunks[i]
                if c.start <= frame.line <= c.end:
                    fs.chunk_frame[i] = f"stack frame line {frame.line}"

    aliases = _module_aliases(query, module_files)
    n_modules = sum(1 for ident in query.identifiers if ident in module_files)
    module_weight = 1.0 / math.sqrt(max(n_modules, 1))
    spans = set(query.code_names)
    # per file and feature, the contributions of each name; a facade defining many gains less for each
    found: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for ident in query.identifiers:
        if (p := module_files.get(ident)) is not None:
            cols.put(p, "module_named", module_weight, f"module mentioned in task: `{ident}`")
            continue
        parts = ident.split(".")
        hits = lexical.by_qual_suffix.get(".".join(parts[-2:]), []) if len(parts) > 1 else []
        feature = "defines_qualified"
        module = ".".join([aliases.get(parts[0], parts[0])] + parts[1:-1])
        if not hits and len(parts) > 1 and module in module_files:  # `xr.where`: a function of a module
            hits = _module_level(parts[-1], module, lexical, graph, module_files)
        if not hits:
            hits = lexical.by_name.get(parts[-1], [])
            feature = "defines_code_name" if len(parts) > 1 or _CODE_LIKE.search(parts[-1]) else "defines_word"
            if len(parts) > 1 and (p := module_files.get(".".join(parts[:-1]))) is not None:
                cols.put(p, "module_named", 0.5 * module_weight, f"module mentioned in task: `{'.'.join(parts[:-1])}`")
        hit_files = sorted({lexical.chunks[i].path for i in hits})
        if not hit_files:
            continue
        w = 1.0 / math.sqrt(len(hit_files))
        in_span = ident in spans
        for i in hits:
            c = lexical.chunks[i]
            short = c.name.rsplit(".", 1)[-1]
            best = fs.chunk_named.get(i, (0.0, ""))[0]
            if w > best:
                fs.chunk_named[i] = (w, f"`{short}` mentioned in task")
            if in_span:
                fs.chunk_span[i] = f"`{ident}` written as code in the task"
            if len(hit_files) > _MAX_DEFINERS:
                continue
            why = f"defines `{ident}` mentioned in task"
            found[(c.path, feature)][why] = max(found[(c.path, feature)].get(why, 0.0), w)
            if in_span:
                found[(c.path, "defines_code_span")][f"defines `{ident}`, written as code in the task"] = w
            if c.kind in _CONTAINER_KINDS:
                found[(c.path, "defines_class")][f"defines class `{short}` named in task"] = w
                for j in lexical.members.get(i, []):
                    if 0.3 * w > fs.chunk_member.get(j, (0.0, ""))[0]:
                        fs.chunk_member[j] = (0.3 * w, f"member of `{short}`")
    for (p, feature), whys in sorted(found.items()):
        for k, (why, w) in enumerate(sorted(whys.items(), key=lambda t: (-t[1], t[0]))):
            cols.add(p, feature, w / (k + 1), why)


def task_title(query: TaskQuery) -> str:
    """The task's first non-blank line: an issue's or a commit's title, where its author says in a few words
    what is wrong (the body's code and logs dilute that). A one-line task is its own title."""
    return next((line for line in query.text.splitlines() if line.strip()), "")


def _title_lexical(title: str, lexical: LexicalIndex, cols: _Columns) -> None:
    """BM25 of each candidate file against the title alone, as a share of the best file's."""
    scores = lexical.file_scores(lexical_terms(title))
    top = max(scores.values(), default=0.0) or 1.0
    for p in sorted(cols.values.keys() & scores.keys()):
        v = scores[p] / top
        cols.put(p, "title_bm25", v, f"matches the task's title ({v:.2f})" if v > _WEAK else None)


def _title_names(title: str, lexical: LexicalIndex, cols: _Columns) -> None:
    """Candidates that define a name the title writes (`stackplot should not change Axes cycler`), code-like
    or not: 1/sqrt(files defining it), summed over the title's names."""
    for name in dict.fromkeys(_IDENT.findall(title)):
        if len(name) < 2 or name.lower() in _TITLE_STOP:
            continue
        files = sorted({lexical.chunks[i].path for i in lexical.by_name.get(name, [])
                        if lexical.chunks[i].name.rsplit(".", 1)[-1] == name})
        if not files or len(files) > _MAX_DEFINERS:
            continue
        w = 1.0 / math.sqrt(len(files))
        for p in files:
            if p in cols.values:
                cols.add(p, "title_defines", w, f"defines `{name}`, named in the task's title")


def _past_changes(past: PastChanges | None, terms: list[str], lexical: LexicalIndex, cols: _Columns) -> None:
    """Files the past commits most like the task changed (past_changes.py); the best few are candidates."""
    votes = {p: v for p, v in (past.file_scores(terms) if past else {}).items() if p in lexical.languages}
    top = max((v for v, _ in votes.values()), default=0.0)
    for p in _top({p: v for p, (v, _) in votes.items()}, POOL_PAST) + [p for p in cols.values if p in votes]:
        v, subject = votes[p]
        cols.put(p, "past_changes", v / top,
                 f"changed by a past commit like the task: \"{subject}\"" if v / top > _WEAK else None)


def file_signals(query: TaskQuery, graph: RepoGraph, lexical: LexicalIndex, module_files: dict[str, str],
                 cochange: dict[str, Counter] | None = None, past: PastChanges | None = None) -> FileSignals:
    """Every signal's column for every candidate file (rows in path order)."""
    terms = query.terms
    chunk_lex = lexical.chunk_scores(terms)
    top_chunk = (float(chunk_lex.max()) if len(chunk_lex) else 0.0) or 1.0
    title = task_title(query)
    title_terms = lexical_terms(title)
    fs = FileSignals([], np.zeros((0, len(FILE_FEATURES))), [], lexical, chunk_lex, top_chunk, frozenset(terms),
                     lexical.chunk_scores(title_terms), frozenset(title_terms))
    cols = _Columns()
    _mentions(query, lexical, module_files, cols, fs, graph)

    file_lex = lexical.file_scores(terms)
    top_file = max(file_lex.values(), default=0.0) or 1.0
    best_chunk = lexical.best_chunk_per_file(chunk_lex)
    lex_order = _top(file_lex, POOL_LEXICAL)
    chunk_order = _top(best_chunk, POOL_CHUNK)
    for p, r in _log_rank(lex_order).items():
        v = file_lex[p] / top_file
        cols.put(p, "bm25_file", v, f"lexical match with task ({v:.2f})" if v > _WEAK else None)
        cols.put(p, "bm25_file_rank", r)
    for p, r in _log_rank(chunk_order).items():
        v = best_chunk[p] / top_chunk
        cols.put(p, "bm25_chunk", v, f"a definition matches the task text ({v:.2f})" if v > _WEAK else None)
        cols.put(p, "bm25_chunk_rank", r)
    _past_changes(past, terms, lexical, cols)

    seed = {p: sum(SEED_WEIGHTS.get(FILE_FEATURES[j], 0.0) * v for j, v in vals.items())
            for p, vals in cols.values.items()}
    seed = {p: s * (0.35 if is_test_path(p) else 1.0) for p, s in seed.items()
            if s > 0 and not _change_record(p, lexical)}
    seeds = _top(seed, SEEDS)
    for p, r in _log_rank(seeds).items():
        cols.put(p, "seed_rank", r)
    top_seeds = {p: seed[p] for p in seeds}

    if cochange and top_seeds:
        top = max(top_seeds.values())
        for s in seeds[:10]:
            partners = cochange.get(s, Counter())
            most = max(partners.values(), default=0)
            for p, n in sorted(partners.items()):
                if p in lexical.languages and n >= 2:
                    cols.add(p, "cochange", (top_seeds[s] / top) * (n / most),
                             f"changed together with {s} in {n} commits")

    if top_seeds:
        ppr = graph.file_rank(top_seeds)
        top_ppr = max(ppr.values(), default=0.0) or 1.0
        for p in _top(ppr, POOL_GRAPH) + [p for p in cols.values if p in ppr]:
            cols.put(p, "ppr", ppr[p] / top_ppr)
        for s in seeds[:3]:  # describes candidates; brings none (a hub has hundreds of neighbours)
            near = set(graph.files.successors(s)) | set(graph.files.predecessors(s)) if s in graph.files else set()
            for p in sorted(near & cols.values.keys()):
                cols.put(p, "neighbour", 1.0, f"imports or is imported by {s}")

    # the title describes the candidates; it brings none
    _title_lexical(title, lexical, cols)
    _title_names(title, lexical, cols)

    paths = sorted(p for p in cols.values if p in lexical.languages
                   and (cols.get(p, "path_named") or not _change_record(p, lexical)))
    x = np.zeros((len(paths), len(FILE_FEATURES)))
    term_stems = {_stem(t) for t in terms}
    # a word in most code candidates' paths (the package's name: `pylint/`, `xarray/`) tells none of them apart,
    # though tasks say it often: without this `pylint/utils/utils.py` matched every task that says "pylint"
    code = [p for p in paths if not is_test_path(p)]
    path_words = Counter(w for p in code for w in _words(p.rsplit(".", 1)[0], 3))
    common = {w for w, n in path_words.items() if n >= COMMON_PATH_WORD * len(code)}
    for r, p in enumerate(paths):
        for j, v in cols.values[p].items():
            x[r, j] = v
        lang = lexical.languages[p]
        dirs, base = p.rsplit("/", 1) if "/" in p else ("", p)
        stem = base.rsplit(".", 1)[0]
        words = _words(p.rsplit(".", 1)[0], 3) - _PATH_STOP - common
        if words:
            hit = sorted(w for w in words if _stem(w) in term_stems)
            if hit:
                x[r, _F["path_terms"]] = len(hit) / len(words)
                cols.why[p][_F["path_terms"]] = f"its path says {', '.join(hit[:3])}, as the task does"
        if stem.lower() not in _PATH_STOP and _stem(stem.lower()) in term_stems:
            x[r, _F["basename_term"]] = 1.0
            cols.why[p][_F["basename_term"]] = f"the task says `{stem}`"
        test = is_test_path(p)
        x[r, _F["is_test"]] = test
        if test and query.type == "test-repair":
            x[r, _F["test_for_repair"]] = 1.0
            cols.why[p][_F["test_for_repair"]] = "a test, and the task is test repair"
        if query.type == "dependency-upgrade" and MANIFESTS.search(p):
            x[r, _F["manifest_for_upgrade"]] = 1.0
            cols.why[p][_F["manifest_for_upgrade"]] = "a dependency manifest, and the task is an upgrade"
        x[r, _F["not_code"]] = lang not in _CODE_LANGS
        x[r, _F["doc_dir"]] = _DOC_DIRS.search(p) is not None
        x[r, _F["is_init"]] = base == "__init__.py"
        own = lexical.chunks_of.get(p, [])
        x[r, _F["log_lines"]] = math.log1p(lexical.chunks[own[-1]].end) if own else 0.0
    fs.paths, fs.x, fs.reasons = paths, x, [dict(cols.why.get(p, {})) for p in paths]
    return fs


def chunk_signals(fs: FileSignals, path: str, pointed_only: bool = False) -> ChunkSignals:
    """Every definition-level signal for the definitions (and module-level lines) of one file; with
    `pointed_only`, only for those some signal points at (lexical match, name, class, frame): ranking needs
    no more, and a large file has hundreds of others. Columns are filled a column at a time from the index's
    arrays, and the reasons are put in words only for the rows asked for (a ranking says a few)."""
    lexical = fs.lexical
    every = lexical.chunks_of.get(path, [])
    if not every:
        return ChunkSignals([], np.zeros((0, len(CHUNK_FEATURES))), [])
    ids = np.arange(every[0], every[-1] + 1)  # a file's chunks are a contiguous run of the index's
    lex_all = fs.chunk_lex[every[0]:every[-1] + 1] if len(fs.chunk_lex) else np.zeros(len(every))
    best = float(lex_all.max()) or 1.0
    order = np.argsort(-lex_all, kind="stable")
    rank_all = np.empty(len(every), dtype=np.int64)
    rank_all[order] = np.arange(len(every))
    named = fs.pointed()
    pointed = np.zeros(len(every), dtype=bool)
    pointed[named[np.searchsorted(named, every[0]):np.searchsorted(named, every[-1], "right")] - every[0]] = True
    keep = np.flatnonzero((lex_all > 0) | pointed) if pointed_only else np.arange(len(every))
    idx = ids[keep]
    lex, rank_of = lex_all[keep], rank_all[keep]
    x = np.zeros((len(idx), len(CHUNK_FEATURES)))
    x[:, _C["bm25"]] = lex / fs.top_chunk
    x[:, _C["bm25_in_file"]] = lex / best
    x[:, _C["bm25_rank_in_file"]] = np.where(lex > 0, 1.0 / np.log2(rank_of + 2), 0.0)
    for i in ids[pointed].tolist():  # the few a name, a class or a frame points at
        r = int(np.searchsorted(idx, i))
        if (named := fs.chunk_named.get(i)) is not None:
            x[r, _C["named"]] = named[0]
        if i in fs.chunk_span:
            x[r, _C["named_code_span"]] = 1.0
        if (member := fs.chunk_member.get(i)) is not None:
            x[r, _C["member_of_named"]] = member[0]
        if i in fs.chunk_frame:
            x[r, _C["frame_line"]] = 1.0
    # the columns every chunk has, from the index's columns
    _paths, _path_of, _starts, _ends, names, kind_of, lines_ptr, lines = lexical.chunks.cols
    file_names = names.run(every[0], every[-1] + 1)
    x[:, _C["name_terms"]] = [fs.name_terms(file_names[r]) for r in keep.tolist()]
    title_all = fs.chunk_title[every[0]:every[-1] + 1] if len(fs.chunk_title) else np.zeros(len(every))
    x[:, _C["title_bm25"]] = title_all[keep] / (float(title_all.max()) or 1.0)
    if fs.title_terms:
        x[:, _C["title_name_terms"]] = [fs.name_terms(file_names[r], title=True) for r in keep.tolist()]
    kinds = kind_of[idx]
    for column, of_kind in _KIND_COLUMNS.items():
        x[:, _C[column]] = of_kind[kinds]
    # lines of each chunk: its (first, last) pairs are a run of `lines`; the file's runs are contiguous
    base = int(lines_ptr[every[0]])
    pairs = np.asarray(lines[2 * base:2 * int(lines_ptr[every[-1] + 1])], dtype=np.int64).reshape(-1, 2)
    total = np.concatenate(([0], np.cumsum(pairs[:, 1] - pairs[:, 0] + 1)))
    sizes = total[lines_ptr[idx + 1] - base] - total[lines_ptr[idx] - base]
    x[:, _C["log_lines"]] = [math.log1p(n) for n in sizes.tolist()]
    return ChunkSignals(idx.tolist(), x, _ChunkReasons(fs, idx.tolist(), lex, x[:, _C["title_bm25"]]))


class _ChunkReasons(LazySequence):
    """Per row of a `ChunkSignals`, feature index → why; each put in words when first asked for."""

    def __init__(self, fs: FileSignals, idx: list[int], lex: np.ndarray, title: np.ndarray):
        super().__init__()
        self.fs, self.idx, self.lex, self.title = fs, idx, lex, title

    def __len__(self) -> int:
        return len(self.idx)

    def _make(self, r: int) -> dict[int, str]:
        fs, i = self.fs, self.idx[r]
        why = {}
        if self.lex[r] / fs.top_chunk > _WEAK:
            why[_C["bm25"]] = f"{_label(fs.lexical.chunks[i])} matches the task text ({self.lex[r] / fs.top_chunk:.2f})"
        if (named := fs.chunk_named.get(i)) is not None:
            why[_C["named"]] = named[1]
        if (span := fs.chunk_span.get(i)) is not None:
            why[_C["named_code_span"]] = span
        if (member := fs.chunk_member.get(i)) is not None:
            why[_C["member_of_named"]] = member[1]
        if (frame := fs.chunk_frame.get(i)) is not None:
            why[_C["frame_line"]] = frame
        if (title := self.title[r]) > _WEAK:
            why[_C["title_bm25"]] = f"{_label(fs.lexical.chunks[i])} matches the task's title ({title:.2f})"
        return why


def _label(c: Chunk) -> str:
    """How a reason names a definition: its name's last part, or its lines when it has none."""
    return f"`{c.name.rsplit('.', 1)[-1]}`" if c.name else f"lines {c.start}-{c.end}"
