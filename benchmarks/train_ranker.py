"""Train the ranker's weights (contextpack/ranker.json) on the SWE-bench dev set, leave-one-repository-out.

Two steps, because the first is slow (a checkout, an index refresh and the signals of every task):

    .venv/bin/python benchmarks/train_ranker.py dump --jobs 2           # feature rows → WORK/features/
    .venv/bin/python benchmarks/train_ranker.py train --oof-dir WORK/oof  # weights, CV figures

`dump` checks every task's repository out at its base commit (benchmarks/_materialise.py), refreshes a
contextpack index of it and records, through `contextpack.signals` (the code that runs when packing), the
feature rows of the candidate files (label: a gold file) and of the definitions of the gold files among
them (label: holds an edit line). `train` fits a linear listwise model (softmax over a task's candidates,
L2-regularised, scipy L-BFGS) at file level and at definition level, and at file level a second model,
LambdaMART boosted trees (LightGBM, `pip install -e '.[train]'`; `--trees 0`: none) on the same columns,
trained on its own; a file's score is the sum of the two (contextpack/tree_model.py scores the trees with
numpy at run time). For each repository it fits them without that repository's tasks and reports the held-out
figures (candidate recall, acc@1/5/10 of the file order, acc@1 of the definition order), writes those
per-repository models to `--oof-dir` (for `swebench_retrieval.py --oof-weights`), then fits on everything and
writes contextpack/ranker.json with its provenance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pickle
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _materialise import RepoTree, commit_dates, find_mirror  # noqa: E402
from _provenance import project_version  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASET = PROJECT_ROOT.parent / "shared" / "bench" / "swebench-dev.jsonl"
DEFAULT_WORK_DIR = Path("/tmp/contextpack-rank")
WEIGHTS_OUT = PROJECT_ROOT / "contextpack" / "ranker.json"
L2 = {"file": 1e-2, "chunk": 1e-2}  # per task, on standardised features
# model columns besides the signals themselves: products of two signals (what a linear model can't say alone:
# a doc file the task names is the reporter's, not the one to fix; BM25 favours long files)
FILE_PRODUCTS = ("path_named*not_code", "path_named*doc_dir", "path_named*is_test", "basename_term*bm25_file",
                 "bm25_file*bm25_chunk", "log_lines*bm25_file", "not_code*bm25_file", "doc_dir*bm25_file",
                 "is_test*bm25_file", "frame*is_test", "defines_code_span*defines_class", "is_init*bm25_file")
# what the task names counts for a file or definition, at least this much (raw weight): without the floor the
# names' weights go negative to offset the seed rank that already counts them, and the file defining the
# function a task names comes after one calling it that BM25 prefers
MONOTONE = {"path_named": 0.0, "frame": 0.0, "frame_last": 1.0, "defines_code_name": 1.0, "defines_word": 0.0,
            "defines_qualified": 1.0, "defines_code_span": 1.0, "defines_class": 0.0, "module_named": 0.0,
            "named": 0.5, "named_code_span": 0.0, "member_of_named": 0.0, "frame_line": 0.5}
# the file-level trees (LightGBM lambdarank): few and shallow, so that they correct the linear order where
# the data agree across repositories instead of learning one repository's paths. Leave-one-repository-out
# acc@1: linear alone 42.9 %; + 4-leaf trees, 100 rows a leaf, 75 rounds at 0.1: 46.9 % (150 at 0.05: 46.3 %,
# at twice the scoring time); 15 leaves, trees alone, or trees boosted from the linear score: <= 42.9 %
# (benchmarks/results/ranker_loro.md)
TREES = {"rounds": 75, "num_leaves": 4, "min_data_in_leaf": 100, "learning_rate": 0.1,
         "lambdarank_truncation_level": 20}
CHUNK_PRODUCTS = ("named*is_class", "named*is_function", "bm25*is_module", "bm25_in_file*log_lines",
                  "named_code_span*is_class", "name_terms*bm25_in_file")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _slug(repo: str) -> str:
    return repo.replace("/", "+")


def load_rows(dataset: Path) -> list[dict]:
    rows = [json.loads(line) for line in dataset.read_text().splitlines() if line.strip()]
    for r in rows:
        r["gold"] = [f for f in r["files"] if f not in set(r.get("new_files") or [])]
    return [r for r in rows if r["gold"]]


# ==========================================================================================================
# dump
# ==========================================================================================================


def dump_repo(repo: str, rows: list[dict], args: argparse.Namespace) -> None:
    from contextpack.engine import Engine, History, settle_heap
    from contextpack.history import head_commit
    from contextpack.signals import chunk_signals, file_signals
    from contextpack.task import analyze_task

    slug = _slug(repo)
    out = args.work_dir / "features" / (f"{slug}.from{args.start}.pkl" if args.start else f"{slug}.pkl")
    mirror = find_mirror(args.mirror_root, repo)
    dates = commit_dates(mirror, (r["base_commit"] for r in rows))
    rows = sorted(rows, key=lambda r: (dates.get(r["base_commit"], float("inf")), r["instance_id"]))
    if args.max_per_repo and len(rows) > args.max_per_repo:  # evenly spread over the repository's history
        step = len(rows) / args.max_per_repo
        rows = [rows[int(k * step)] for k in range(args.max_per_repo)]
    rows = rows[args.start:]  # the rest of a dump stopped after `start` tasks, in another work dir if it still runs
    tree = RepoTree(mirror, args.work_dir / "trees" / slug)
    engine = None
    tasks = []
    for n, r in enumerate(rows, 1):
        t0 = time.perf_counter()
        try:
            co = tree.checkout(r["base_commit"])
            if engine is None:
                engine = Engine(co.root, index_path=args.work_dir / f"{slug}.sqlite")
            engine.index()
            history = History.read(co.root, head_commit(co.root))
            with engine.snapshot() as snap:
                settle_heap()
                query = analyze_task(r["problem_statement"])
                fs = file_signals(query, snap.graph, snap.lexical, snap.modules, history.cochange, history.past)
                gold = set(r["gold"])
                chunk_rows = {}
                for p in fs.paths:
                    if p not in gold:
                        continue
                    cs = chunk_signals(fs, p)
                    edits = set(r["edit_lines"].get(p, []))
                    labels = [any(a <= ln <= b for a, b in snap.lexical.chunks[i].lines for ln in edits)
                              for i in cs.chunks]
                    chunk_rows[p] = (cs.x.astype(np.float32), np.array(labels, dtype=bool))
            tasks.append({"instance_id": r["instance_id"], "repo": repo, "paths": fs.paths,
                          "x": fs.x.astype(np.float32), "y": np.array([p in gold for p in fs.paths], dtype=bool),
                          "gold": r["gold"], "chunks": chunk_rows})
            log(f"[{repo} {n}/{len(rows)}] {r['instance_id']}: {len(fs.paths)} candidates, "
                f"{sum(p in gold for p in fs.paths)}/{len(gold)} gold, {time.perf_counter() - t0:.1f}s")
        except Exception as exc:  # recorded and skipped: one broken task does not stop the dump
            log(f"[{repo} {n}/{len(rows)}] {r['instance_id']}: ERROR {type(exc).__name__}: {exc}")
        if n % 10 == 0 or n == len(rows):  # what is done so far is usable if the dump is stopped
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out.with_suffix(".tmp"), "wb") as f:
                pickle.dump(tasks, f)
            out.with_suffix(".tmp").rename(out)


def cmd_dump(args: argparse.Namespace) -> None:
    rows = load_rows(args.dataset)
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_repo[r["repo"]].append(r)
    repos = sorted(by_repo, key=lambda k: (-len(by_repo[k]), k))
    if args.repos:  # in the order given
        wanted = args.repos.split(",")
        repos = [k for w in wanted for k in repos if w in (k, k.split("/")[1])]
    if args.jobs > 1:  # repositories over child processes, largest first, greedy
        shards: list[list[str]] = [[] for _ in range(args.jobs)]
        load = [0] * args.jobs
        for k in repos:
            i = load.index(min(load))
            shards[i].append(k)
            load[i] += len(by_repo[k])
        procs = [subprocess.Popen([sys.executable, __file__, "dump", "--repos", ",".join(s),
                                   "--max-per-repo", str(args.max_per_repo),
                                   "--work-dir", str(args.work_dir), "--mirror-root", str(args.mirror_root),
                                   "--dataset", str(args.dataset)]) for s in shards if s]
        sys.exit(max(p.wait() for p in procs))
    for k in repos:
        dump_repo(k, by_repo[k], args)


# ==========================================================================================================
# train
# ==========================================================================================================


def columns(level: str, products: bool) -> tuple[str, ...]:
    from contextpack.signals import CHUNK_FEATURES, FILE_FEATURES

    if level == "file":
        return FILE_FEATURES + (FILE_PRODUCTS if products else ())
    return CHUNK_FEATURES + (CHUNK_PRODUCTS if products else ())


def _design(x: np.ndarray, level: str, names: tuple[str, ...]) -> np.ndarray:
    from contextpack.rank import _factors, design
    from contextpack.signals import CHUNK_FEATURES, FILE_FEATURES

    signals = FILE_FEATURES if level == "file" else CHUNK_FEATURES
    return design(x.astype(float), tuple(_factors(n, signals) for n in names))


# how much each task counts in the loss: "task" all alike (Django's 188 tasks then weigh 188 times Flask's
# one), "sqrt" 1/sqrt(tasks of its repository), "repository" 1/(tasks of its repository): each repository alike
WEIGHTING = ("task", "sqrt", "repository")


def task_weights(tasks: list[dict], weighting: str) -> dict[str, float]:
    """Per instance id, mean 1 over the tasks."""
    per_repo = defaultdict(int)
    for t in tasks:
        per_repo[t["repo"]] += 1
    power = {"task": 0.0, "sqrt": 0.5, "repository": 1.0}[weighting]
    raw = {t["instance_id"]: per_repo[t["repo"]] ** -power for t in tasks}
    mean = sum(raw.values()) / max(len(raw), 1)
    return {k: v / mean for k, v in raw.items()}


def _groups(tasks: list[dict], level: str, names: tuple[str, ...],
            weights: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(rows, labels, weight) per list to rank: a task's candidate files, or a gold file's definitions."""
    out = []
    for t in tasks:
        w = weights[t["instance_id"]]
        if level == "file":
            if t["y"].any():
                out.append((_design(t["x"], level, names), t["y"], w))
        else:
            for x, y in t["chunks"].values():
                if y.any() and not y.all():
                    out.append((_design(x, level, names), y, w))
    return out


def fit(groups: list[tuple[np.ndarray, np.ndarray, float]], l2: float, names: tuple[str, ...]) -> dict:
    """Listwise softmax: maximise the weighted mean log-probability of each list's positives, plus an L2
    penalty."""
    allx = np.vstack([x for x, _, _ in groups])
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale == 0] = 1.0
    xs = [((x - mean) / scale, y.astype(float) / y.sum(), w) for x, y, w in groups]
    n = sum(w for _, _, w in xs)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, target, weight in xs:
            s = x @ w
            m = s.max()
            e = np.exp(s - m)
            z = e.sum()
            total -= weight * float(target @ s - m - np.log(z))
            grad -= weight * (x.T @ (target - e / z))
        return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w

    bounds = [(MONOTONE[n] * scale[j], None) if n in MONOTONE else (None, None) for j, n in enumerate(names)]
    res = minimize(loss, np.zeros(allx.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 500})
    return {"features": list(names), "mean": mean.tolist(), "scale": scale.tolist(), "weights": res.x.tolist()}


def fit_trees(groups: list[tuple[np.ndarray, np.ndarray, float]], names: tuple[str, ...], rounds: int) -> dict:
    """LambdaMART on the lists (each row weighted by its list's weight), exported as TreeEnsemble arrays;
    the export is checked against LightGBM's own predictions."""
    try:
        import lightgbm as lgb
    except ImportError:
        sys.exit("the file trees need LightGBM: pip install -e '.[train]' (or --trees 0: the linear model alone)")

    from contextpack.tree_model import TreeEnsemble

    x = np.vstack([g for g, _, _ in groups])
    params = {"objective": "lambdarank", "verbosity": -1, "num_threads": 1, "deterministic": True, "seed": 1,
              **{k: v for k, v in TREES.items() if k != "rounds"}}
    data = lgb.Dataset(x, np.concatenate([y.astype(int) for _, y, _ in groups]), group=[len(y) for _, y, _ in groups],
                       weight=np.concatenate([np.full(len(y), w) for _, y, w in groups]))
    booster = lgb.train(params, data, rounds)
    arrays = {k: [] for k in ("feature", "threshold", "left", "right", "value")}
    roots, depth = [], 0

    def add(node: dict, level: int) -> int:
        nonlocal depth
        i = len(arrays["feature"])
        for k in arrays:
            arrays[k].append(0)
        if "leaf_value" in node:
            depth = max(depth, level)
            arrays["feature"][i], arrays["left"][i], arrays["right"][i] = -1, i, i
            arrays["value"][i] = node["leaf_value"]
            return i
        if node["decision_type"] != "<=" or node["missing_type"] not in ("None", "NaN"):
            raise ValueError(f"tree split not exportable: {node['decision_type']} {node['missing_type']}")
        arrays["feature"][i], arrays["threshold"][i] = node["split_feature"], node["threshold"]
        arrays["left"][i] = add(node["left_child"], level + 1)
        arrays["right"][i] = add(node["right_child"], level + 1)
        return i

    for tree in booster.dump_model()["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    doc = {"features": list(names), "depth": depth, "roots": roots, **arrays}
    ours = TreeEnsemble.from_json(doc).scores(x)
    if not np.allclose(ours, booster.predict(x), atol=1e-9):
        raise AssertionError("exported trees do not score as LightGBM does")
    return doc


def train_models(tasks: list[dict], l2: dict, products: bool, weighting: str,
                 rounds: int = 0) -> tuple[dict, dict, dict | None]:
    """The linear file and definition models, and (rounds > 0) the file-level trees."""
    fn, cn = columns("file", products), columns("chunk", products)
    w = task_weights(tasks, weighting)
    groups = _groups(tasks, "file", fn, w)
    trees = fit_trees(groups, fn, rounds) if rounds else None
    return fit(groups, l2["file"], fn), fit(_groups(tasks, "chunk", cn, w), l2["chunk"], cn), trees


def _scores(model: dict, x: np.ndarray, level: str, trees: dict | None = None) -> np.ndarray:
    z = _design(x, level, tuple(model["features"]))
    s = ((z - np.asarray(model["mean"])) / np.asarray(model["scale"])) @ np.asarray(model["weights"])
    if trees is not None:
        from contextpack.tree_model import TreeEnsemble

        s = s + TreeEnsemble.from_json(trees).scores(_design(x, level, tuple(trees["features"])))
    return s


def evaluate(tasks: list[dict], file_model: dict, chunk_model: dict, file_trees: dict | None = None) -> dict:
    """Held-out figures: all gold files among the candidates, among the first 1 / 5 / 10 of the order;
    and the first definition of a gold file holding an edit line."""
    n = len(tasks)
    recall = acc1 = acc5 = acc10 = 0
    d_acc1 = d_acc3 = d_n = 0
    for t in tasks:
        gold = set(t["gold"])
        if gold <= set(t["paths"]):
            recall += 1
        if len(t["paths"]):
            s = _scores(file_model, t["x"], "file", file_trees)
            order = sorted(range(len(t["paths"])), key=lambda r: (-s[r], t["paths"][r]))
            ranked = [t["paths"][r] for r in order]
            acc1 += gold <= set(ranked[:1])
            acc5 += gold <= set(ranked[:5])
            acc10 += gold <= set(ranked[:10])
        for x, y in t["chunks"].values():
            if not y.any():
                continue
            s = _scores(chunk_model, x, "chunk")
            order = np.argsort(-s, kind="stable")
            d_n += 1
            d_acc1 += bool(y[order[0]])
            d_acc3 += bool(y[order[:3]].any())
    pct = lambda k, d: round(100.0 * k / d, 1) if d else None  # noqa: E731
    return {"tasks": n, "candidate_recall": pct(recall, n), "acc@1": pct(acc1, n), "acc@5": pct(acc5, n),
            "acc@10": pct(acc10, n), "definitions": d_n, "def_acc@1": pct(d_acc1, d_n), "def_acc@3": pct(d_acc3, d_n)}


# a row is a candidate when one of these signals brought it in (rows of an older dump that only a graph
# neighbour brought in are dropped: neighbours describe candidates, they no longer bring them)
_SOURCES = ("path_named", "frame", "defines_code_name", "defines_word", "defines_qualified", "defines_code_span",
            "module_named", "bm25_file", "bm25_chunk", "ppr", "cochange", "past_changes")


def load_dump(work_dir: Path) -> list[dict]:
    from contextpack.signals import FILE_FEATURES

    cols = [FILE_FEATURES.index(n) for n in _SOURCES]
    tasks, seen = [], set()
    for f in sorted((work_dir / "features").glob("*.pkl")):
        with open(f, "rb") as fh:
            for t in pickle.load(fh):
                if t["instance_id"] in seen:  # a task in two parts of a dump (`--start`) counts once
                    continue
                seen.add(t["instance_id"])
                keep = t["x"][:, cols].any(axis=1)
                t["x"], t["y"] = t["x"][keep], t["y"][keep]
                t["paths"] = [p for p, k in zip(t["paths"], keep, strict=True) if k]
                t["chunks"] = {p: v for p, v in t["chunks"].items() if p in set(t["paths"])}
                tasks.append(t)
    return tasks


def cmd_train(args: argparse.Namespace) -> None:
    tasks = load_dump(args.work_dir)
    if not tasks:
        sys.exit(f"no feature dump under {args.work_dir / 'features'}: run `dump` first")
    repos = sorted({t["repo"] for t in tasks})
    l2 = {"file": args.l2_file, "chunk": args.l2_chunk}
    cv: dict[str, dict] = {}
    if args.oof_dir:
        args.oof_dir.mkdir(parents=True, exist_ok=True)
    print("| held-out repository | tasks | gold among candidates % | acc@1 % | acc@5 % | acc@10 % | definitions "
          "| def acc@1 % | def acc@3 % |")
    print("|---|---|---|---|---|---|---|---|---|")
    pooled = defaultdict(float)
    for repo in repos:
        train = [t for t in tasks if t["repo"] != repo]
        test = [t for t in tasks if t["repo"] == repo]
        fm, cm, ft = train_models(train, l2, args.products, args.weighting, args.trees)
        ev = evaluate(test, fm, cm, ft)
        cv[repo] = ev
        for k in ("candidate_recall", "acc@1", "acc@5", "acc@10"):
            pooled[k] += ev[k] * ev["tasks"] / 100
        pooled["def_n"] += ev["definitions"]
        pooled["def_acc@1"] += (ev["def_acc@1"] or 0) * ev["definitions"] / 100
        pooled["def_acc@3"] += (ev["def_acc@3"] or 0) * ev["definitions"] / 100
        print(f"| {repo} | {ev['tasks']} | {ev['candidate_recall']} | {ev['acc@1']} | {ev['acc@5']} | "
              f"{ev['acc@10']} | {ev['definitions']} | {ev['def_acc@1']} | {ev['def_acc@3']} |", flush=True)
        if args.oof_dir:
            _write(args.oof_dir / f"{_slug(repo)}.json", fm, cm, ft,
                   {"trained_without": repo, "dataset": args.dataset.name})
    n = len(tasks)
    overall = {k: round(100 * pooled[k] / n, 1) for k in ("candidate_recall", "acc@1", "acc@5", "acc@10")}
    overall["def_acc@1"] = round(100 * pooled["def_acc@1"] / max(pooled["def_n"], 1), 1)
    overall["def_acc@3"] = round(100 * pooled["def_acc@3"] / max(pooled["def_n"], 1), 1)
    print(f"| **all (out of fold)** | {n} | {overall['candidate_recall']} | {overall['acc@1']} | {overall['acc@5']} | "
          f"{overall['acc@10']} | {int(pooled['def_n'])} | {overall['def_acc@1']} | {overall['def_acc@3']} |")
    macro = {k: round(sum(cv[r][k] for r in repos) / len(repos), 1) for k in ("candidate_recall", "acc@1", "acc@5",
                                                                             "acc@10")}
    print(f"| mean of repositories (out of fold) | {len(repos)} | {macro['candidate_recall']} | {macro['acc@1']} | "
          f"{macro['acc@5']} | {macro['acc@10']} | | | |")
    overall["repository_mean"] = macro
    if args.compare:  # the same figures for given weights (e.g. the hand weights), on the same tasks
        d = json.loads(args.compare.read_text())
        ev = evaluate(tasks, d["file"], d["chunk"], d.get("file_trees"))
        print(f"| {args.compare.name} (not trained here) | {n} | {ev['candidate_recall']} | {ev['acc@1']} | "
              f"{ev['acc@5']} | {ev['acc@10']} | {ev['definitions']} | {ev['def_acc@1']} | {ev['def_acc@3']} |")
    fm, cm, ft = train_models(tasks, l2, args.products, args.weighting, args.trees)
    provenance = {
        "dataset": f"{args.dataset.name} ({n} tasks, {len(repos)} repositories)",
        "trained_on_commit": project_version(PROJECT_ROOT),
        "features_dumped_on_commit": args.dump_commit or "not given (--dump-commit)",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "model": "linear, listwise softmax over a task's candidate files / a gold file's definitions; L2 "
                 f"file {l2['file']}, definitions {l2['chunk']}; standardised features; task weighting "
                 f"{args.weighting!r}; {'signals and products of two' if args.products else 'signals only'}; "
                 "lower bounds on the weights of what the task names (train_ranker.MONOTONE)"
                 + (f"; plus, at file level, LightGBM lambdarank trees on the same columns trained on their own "
                    f"(train_ranker.TREES, {args.trees} rounds), score = linear + trees" if args.trees else ""),
        "command": "python benchmarks/train_ranker.py " + " ".join(sys.argv[1:]),
        "leave_one_repository_out": {"overall": overall, "per_repository": cv},
    }
    out = args.weights_out
    _write(out, fm, cm, ft, provenance)
    if args.oof_dir:  # a repository of the dataset with no dumped task: the model of all tasks never saw it
        for repo in sorted({r["repo"] for r in load_rows(args.dataset)} - set(repos)):
            _write(args.oof_dir / f"{_slug(repo)}.json", fm, cm, ft,
                   {"trained_without": repo, "dataset": args.dataset.name})
    print(f"\nweights: {out}")
    for level, m in (("file", fm), ("chunk", cm)):
        for name, w in sorted(zip(m["features"], m["weights"], strict=True), key=lambda t: -abs(t[1])):
            print(f"  {level:5s} {name:32s} {w:+.3f}")


def _write(path: Path, fm: dict, cm: dict, ft: dict | None, provenance: dict) -> None:
    r = lambda xs: [round(float(v), 6) for v in xs]  # noqa: E731
    doc = {"provenance": provenance}
    for level, m in (("file", fm), ("chunk", cm)):
        doc[level] = {"features": m["features"], "mean": r(m["mean"]), "scale": r(m["scale"]),
                      "weights": r(m["weights"])}
    if ft is not None:  # thresholds exact (a rounded one could send a row the other way); leaf values rounded
        doc["file_trees"] = {**ft, "value": r(ft["value"])}
    path.write_text(json.dumps(doc, indent=1) + "\n")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("dump", "train"):
        s = sub.add_parser(name)
        s.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
        s.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
        s.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    d = sub.choices["dump"]
    d.add_argument("--jobs", type=int, default=1)
    d.add_argument("--repos", default=None, help="comma-separated owner/name or name")
    d.add_argument("--max-per-repo", type=int, default=0, help="at most this many tasks of a repository (0: all)")
    d.add_argument("--start", type=int, default=0,
                   help="skip a repository's first N tasks (date order), written to <owner>+<name>.fromN.pkl")
    t = sub.choices["train"]
    t.add_argument("--oof-dir", type=Path, default=None, help="write the leave-one-repository-out weights here")
    t.add_argument("--weights-out", type=Path, default=WEIGHTS_OUT)
    t.add_argument("--no-products", dest="products", action="store_false", help="signal columns only")
    t.add_argument("--compare", type=Path, default=None, help="also evaluate these weights on all tasks")
    t.add_argument("--dump-commit", default=None, help="the commit whose signals.py wrote the dump (provenance)")
    t.add_argument("--weighting", choices=WEIGHTING, default="task", help="how much each task counts (WEIGHTING)")
    t.add_argument("--trees", type=int, default=TREES["rounds"],
                   help="boosting rounds of the file-level trees (0: the linear model alone)")
    t.add_argument("--l2-file", type=float, default=L2["file"])
    t.add_argument("--l2-chunk", type=float, default=L2["chunk"])
    args = p.parse_args(argv)
    cmd_dump(args) if args.cmd == "dump" else cmd_train(args)


if __name__ == "__main__":
    main()
