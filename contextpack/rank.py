"""Relevance of files and chunks to a task: signals fused into one score, each with reasons in words.

Signals: exact mentions (paths, modules, symbols, stack frames) · lexical relevance (BM25 over files and
over definition-level chunks) · git co-change with the strongest candidates · graph proximity
(personalised PageRank seeded by what the task points at) · priors by task type (tests for test-repair,
manifests for dependency-upgrade, code over docs).

    ranking = rank(query, graph, lexical, module_files)
    for f in ranking.files[:5]: print(f.path, f.score, f.reasons)
    ranking.chunks_in("django/db/models/query.py")[0]
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .graph import RepoGraph, is_test_path
from .languages import CODE_LANGUAGES
from .lexical import Chunk, LexicalIndex
from .task import TaskQuery

MANIFESTS = re.compile(r"(^|/)(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.txt|Pipfile|package\.json|"
                       r"go\.mod|Cargo\.toml|pom\.xml|build\.gradle(\.kts)?|Gemfile|composer\.json|[^/]*\.csproj)$")
_CODE_LANGS = CODE_LANGUAGES  # every language with a grammar (languages.py), not a list kept here too
_DOC_DIRS = re.compile(r"(^|/)(docs?|doc_src|examples?|samples?|benchmarks?|asv_bench|scripts|tools|tutorials?|"
                       r"galler(y|ies)|plot_types|demos?)/")
MAX_FILES = 40
_MODULE_MENTION = 0.8
_CODE_LIKE = re.compile(r"_|[a-z][A-Z]|^[A-Z][a-z]+[A-Z]|^[A-Z0-9_]{4,}$")
_CONTAINER_KINDS = {"class", "struct", "interface", "trait", "impl", "enum"}


@dataclass
class Scored:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, amount: float, reason: str) -> None:
        self.score += amount
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass
class FileCandidate:
    path: str
    language: str
    score: float
    reasons: list[str]


@dataclass
class ChunkCandidate:
    chunk: Chunk
    score: float
    reasons: list[str]


@dataclass
class Ranking:
    files: list[FileCandidate]
    chunks: dict[str, list[ChunkCandidate]]  # per path, best first

    def chunks_in(self, path: str) -> list[ChunkCandidate]:
        return self.chunks.get(path, [])


def _path_hits(mention: str, lexical: LexicalIndex) -> list[str]:
    """Indexed files a mentioned path means: the same path, or one is a suffix of the other at a '/'."""
    m = mention.lstrip("/")
    return [p for p in lexical.by_basename.get(m.rsplit("/", 1)[-1], [])
            if p == m or m.endswith("/" + p) or p.endswith("/" + m)]


def rank(query: TaskQuery, graph: RepoGraph, lexical: LexicalIndex,
         module_files: dict[str, str], cochange: dict[str, Counter] | None = None) -> Ranking:
    languages = lexical.languages
    fs: dict[str, Scored] = defaultdict(Scored)
    chunk_bonus: dict[int, Scored] = {}

    # 1. exact mentions ------------------------------------------------------------------------
    for m in query.paths:
        for p in _path_hits(m, lexical):
            fs[p].add(3.0, f"mentioned in task: `{m}`")
    for frame in query.frames:
        hits = _path_hits(frame.path, lexical) if frame.path else []
        for p in hits:
            fs[p].add(2.0, f"in stack trace: {frame.path}:{frame.line}")
            for i in lexical.chunks_of.get(p, []):
                c = lexical.chunks[i]
                if c.start <= frame.line <= c.end:
                    chunk_bonus.setdefault(i, Scored()).add(2.0, f"stack frame line {frame.line}")
    by_name, by_qual_suffix = lexical.by_name, lexical.by_qual_suffix
    mentions: dict[str, list[tuple[float, str]]] = defaultdict(list)  # path → (weight, reason)
    # a module named in the task is most often the reporter's import, rarely the place to edit; a list
    # of them (an `extensions = [...]` setting, an import block) says even less about each one
    n_modules = sum(1 for ident in query.identifiers if ident in module_files)
    module_weight = _MODULE_MENTION / math.sqrt(max(n_modules, 1))
    for ident in query.identifiers:
        if (p := module_files.get(ident)) is not None:
            mentions[p].append((module_weight, f"module mentioned in task: `{ident}`"))
            continue
        parts = ident.split(".")
        hits = by_qual_suffix.get(".".join(parts[-2:]), []) if len(parts) > 1 else []
        strength = 2.0
        if not hits:
            hits = by_name.get(parts[-1], [])
            # `bulk_create`, `QuerySet` name code; `description`, `Input` may be plain words
            strength = (1.5 if _CODE_LIKE.search(parts[-1]) else 0.6) if len(parts) == 1 else 1.0
            # "np.arange", "self.foo": an attribute of something else; the prefix may be a module
            if len(parts) > 1 and (p := module_files.get(".".join(parts[:-1]))) is not None:
                mentions[p].append((0.5 * module_weight, f"module mentioned in task: `{'.'.join(parts[:-1])}`"))
        hit_files = {lexical.chunks[i].path for i in hits}
        if not hit_files:
            continue
        # a name defined in many files (`__init__`, `save`) says little about the file, but still says
        # which definition of a file that is relevant for other reasons to show
        w = strength / math.sqrt(len(hit_files))
        for i in hits:
            c = lexical.chunks[i]
            if len(hit_files) <= 12:
                mentions[c.path].append((w, f"defines `{ident}` mentioned in task"))
            chunk_bonus.setdefault(i, Scored()).add(w, f"`{c.name.rsplit('.', 1)[-1]}` mentioned in task")
            if c.kind in _CONTAINER_KINDS and len(hit_files) <= 12:  # members of a mentioned class
                for j in lexical.members.get(i, []):
                    chunk_bonus.setdefault(j, Scored()).add(0.3 * w, f"member of `{c.name.rsplit('.', 1)[-1]}`")

    # a file that defines many mentioned names (a facade like pyplot) gains less for each one
    for p, found in mentions.items():
        best: dict[str, float] = {}
        for w, why in found:
            best[why] = max(best.get(why, 0.0), w)
        for k, (why, w) in enumerate(sorted(best.items(), key=lambda t: (-t[1], t[0]))):
            fs[p].add(w / (k + 1), why)

    # 2. lexical ------------------------------------------------------------------------------
    terms = query.terms
    file_lex = lexical.file_scores(terms)
    chunk_lex = lexical.chunk_scores(terms)
    top_file = max(file_lex.values(), default=0.0) or 1.0
    top_chunk = float(chunk_lex.max()) if len(chunk_lex) else 0.0
    top_chunk = top_chunk or 1.0
    best_chunk_of = {p: v / top_chunk for p, v in lexical.best_chunk_per_file(chunk_lex).items()}
    for p, v in file_lex.items():
        if v / top_file > 0.05:
            fs[p].add(1.0 * v / top_file, f"lexical match with task ({v / top_file:.2f})")
    for p, v in best_chunk_of.items():
        if v > 0.05:
            fs[p].add(1.0 * v, f"a definition matches the task text ({v:.2f})")

    seeds = {p: s.score for p, s in fs.items() if s.score > 0}
    top_seeds = dict(sorted(seeds.items(), key=lambda kv: (-kv[1], kv[0]))[:20])

    # 3. co-change history: files changed together with the strongest candidates -------------------
    if cochange and top_seeds:
        top = max(top_seeds.values())
        for seed, w in list(top_seeds.items())[:10]:
            partners = cochange.get(seed, Counter())
            most = max(partners.values(), default=0)
            for p, n in sorted(partners.items()):
                if p in languages and n >= 2:
                    fs[p].add(0.4 * (w / top) * (n / most), f"changed together with {seed} in {n} commits")

    # 4. graph proximity ----------------------------------------------------------------------
    if top_seeds:
        ppr = graph.file_rank(top_seeds)
        top_ppr = max(ppr.values(), default=0.0) or 1.0
        seed_set = set(top_seeds)
        for p, v in sorted(ppr.items()):
            if v / top_ppr > 0.05 and p not in seed_set:
                near = sorted((s for s in seed_set if graph.files.has_edge(p, s) or graph.files.has_edge(s, p)),
                              key=lambda s: -top_seeds[s])
                why = f"imports or is imported by {near[0]}" if near else "close in the dependency graph"
                fs[p].add(0.5 * v / top_ppr, why)

    # 5. priors by task type -------------------------------------------------------------------
    for p, s in fs.items():
        if s.score <= 0:
            continue
        lang = languages[p]
        if is_test_path(p):
            if query.type == "test-repair":
                s.score *= 1.5
                s.reasons.append("a test, and the task is test repair")
            else:
                s.score *= 0.35
        elif query.type == "dependency-upgrade" and MANIFESTS.search(p):
            s.score *= 2.0
            s.reasons.append("a dependency manifest, and the task is an upgrade")
        elif lang not in _CODE_LANGS:
            s.score *= 0.3
        elif _DOC_DIRS.search(p):
            s.score *= 0.5

    ranked = sorted((p for p, s in fs.items() if s.score > 0), key=lambda p: (-fs[p].score, p))[:MAX_FILES]
    out_files = [FileCandidate(p, languages[p], round(fs[p].score, 6), fs[p].reasons) for p in ranked]
    out_chunks: dict[str, list[ChunkCandidate]] = {}
    for p in ranked:
        cands = []
        for i in lexical.chunks_of.get(p, []):
            c = lexical.chunks[i]
            v = float(chunk_lex[i]) / top_chunk if len(chunk_lex) else 0.0
            bonus = chunk_bonus.get(i)
            score = v + (bonus.score if bonus else 0.0)
            label = f"`{c.name.rsplit('.', 1)[-1]}`" if c.name else f"lines {c.start}-{c.end}"
            reasons = list(bonus.reasons) if bonus else []
            if v > 0.05:
                reasons.append(f"{label} matches the task text ({v:.2f})")
            cands.append(ChunkCandidate(c, round(score, 6), reasons))
        cands.sort(key=lambda cc: (-cc.score, cc.chunk.start))
        out_chunks[p] = cands
    return Ranking(out_files, out_chunks)
