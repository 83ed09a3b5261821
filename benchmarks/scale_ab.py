"""The warm engine and the cold pack of `scale.py`, this code against another, alternated round by round on
one tree: CPU seconds and peak RSS vary with the machine's load, and alternating puts both sides under the
same load (issue 11: a memory change must not cost CPU beyond noise).

    .venv/bin/python benchmarks/scale_ab.py --baseline-src /tmp/contextpack-main --work-dir /tmp/cp-scale

Each round, for each side: the derived sidecar is removed, then `scale.py`'s warm step (a process that
refreshes (no-op), `prepare()`s, which builds the derived state, and packs `scale.TASK` three times) and
its cold step (`contextpack pack --no-server`, twice, loading the sidecar the warm step wrote) run, each in
its own process. It needs the index `scale.py` left for the tree (`<work-dir>/indexes/<size>.sqlite` for
this code, `<size>-baseline.sqlite` for the other) and checks that both sides give one bundle id.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import scale

SIDES = ("baseline", "this code")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline-src", type=Path, required=True, help="the other code's package directory")
    ap.add_argument("--work-dir", type=Path, default=scale.DEFAULT_WORK, help="where scale.py left trees and indexes")
    ap.add_argument("--size", default="200k", choices=sorted(scale.SIZES))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    work = args.work_dir.resolve()
    repo = work / f"synthetic-{args.size}"
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(work / "indexes"), "XDG_CACHE_HOME": str(work / "cache"),
           "XDG_DATA_HOME": str(work / "data"), "XDG_STATE_HOME": str(work / "state")}
    envs = {"baseline": {**env, "PYTHONPATH": str(args.baseline_src.resolve())}, "this code": env}
    indexes = {"baseline": work / "indexes" / f"{args.size}-baseline.sqlite",
               "this code": work / "indexes" / f"{args.size}.sqlite"}
    got: dict[str, dict[str, list[float]]] = {s: {} for s in SIDES}
    ids = set()
    cli = [sys.executable, "-c", scale._CLI]
    for r in range(args.rounds):
        for side in SIDES:
            index = indexes[side]
            index.with_name(index.name + ".derived.npz").unlink(missing_ok=True)
            warm = scale.run([sys.executable, "-c", scale._WARM, str(repo), str(index), scale.TASK, "3"],
                             envs[side], "warm", work)
            w = json.loads(warm.stdout)
            colds = [scale.run(cli + ["pack", "--no-server", "--repo", str(repo), "--index", str(index),
                                      "--task", scale.TASK], envs[side], "cold pack", work) for _ in range(2)]
            ids |= set(w["ids"]) | {json.loads(c.stdout)["id"] for c in colds}
            this_round = {"prepare CPU, s": [w["prepare_cpu"]], "warm pack CPU, s": w["cpus"],
                          "warm engine peak RSS, MB": [warm.rss_mb], "cold pack CPU, s": [c.cpu for c in colds],
                          "cold pack peak RSS, MB": [c.rss_mb for c in colds]}
            for key, values in this_round.items():
                got[side].setdefault(key, []).extend(values)
            print(f"round {r + 1}, {side}: {json.dumps(this_round)} (load {scale.loadavg()})", file=sys.stderr)
    if len(ids) != 1:
        raise SystemExit(f"the two sides' bundles differ: {sorted(ids)}")
    print(f"| {args.size}, {args.rounds} rounds | baseline: median (min–max) | this code: median (min–max) |")
    print("|---|---|---|")
    for key in got["baseline"]:
        cells = [f"{statistics.median(v):.2f} ({min(v):.2f}–{max(v):.2f}), n={len(v)}"
                 for v in (got[s][key] for s in SIDES)]
        print(f"| {key} | {cells[0]} | {cells[1]} |")
    print(f"\nOne bundle id on both sides, warm and cold: {ids.pop()}")


if __name__ == "__main__":
    main()
