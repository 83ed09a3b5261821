"""Task texts of the longest length allowed, in the shapes that once made task analysis quadratic or slow:
unclosed HTML comments and fences, blank lines, minified code, long dotted or slashed runs, stack-frame
prefixes without frames, report-like `key: value` lines. Shared by `test_task_limits.py` and
`benchmarks/task_analysis.py`."""

from __future__ import annotations

import random
import string

from contextpack.task import MAX_TASK_CHARS

N = MAX_TASK_CHARS
_rng = random.Random(11)
SHAPES = {name: text[:N] for name, text in {
    "html_comment_open": "<!--" * (N // 4),
    "fence_open": "```\n" * (N // 4),
    "blank_lines": "x" + "\n" * (N - 1),
    "space_lines": "x" + " \n" * (N // 2),
    "at_prefixes": "at " * (N // 3 - 4) + "a.js:1",
    "file_quotes": 'File "' * (N // 6),
    "minified": "a.b(c.d,e.f)+g.h[i.j]/k.l;" * (N // 26),
    "dotted": "a." * (N // 2),
    "slashed": "a/" * (N // 2),
    "path_run": "x.py/" * (N // 5),
    "go_calls": "main.f(" * (N // 7),
    "rust_paths": ("at " + "a/" * 1000) * (N // 2003),
    "one_word": "A" * N,
    "camel": "Ab" * (N // 2),
    "error_chain": "a." * (N // 2 - 10) + "Error",
    "backticks": "`" * N,
    "printable": "".join(_rng.choice(string.printable) for _ in range(N)),
    "words": " ".join(f"w{i}_x{i % 97}" for i in range(N // 10)),
    # lines shaped like an environment report's entries, too few of them versions to be one
    "key_values": "a: b\n" * (N // 5),
    "distinct_key_values": "".join(f"key{i}: value{i}\n" for i in range(N // 16)),
    "settings": "name: value here\n" * (N // 17),
    # and one long report: every line a version
    "versions": "".join(f"package{i}: {i % 9}.{i % 13}.{i % 7}\n" for i in range(N // 20)),
}.items()}
