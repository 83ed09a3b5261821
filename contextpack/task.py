"""Task text → `TaskQuery`: identifiers, paths, stack frames, code blocks, error messages, and the task
type by explainable rules.

    q = analyze_task("TypeError in QuerySet.bulk_create (django/db/models/query.py, line 12)")
    q.identifiers    # ["QuerySet.bulk_create", "QuerySet", "bulk_create", "TypeError"]
    q.paths          # ["django/db/models/query.py"]
    q.type, q.type_reason
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import RequestError

TASK_TYPES = ("bugfix", "feature", "refactor", "test-repair", "dependency-upgrade", "exploration")
MAX_TASK_CHARS = 200_000  # longer text is cut (and the bundle says so); a task is not a corpus

_EXT = (r"py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|cs|rb|php|swift|scala|m|mm|sh|"
        r"toml|cfg|ini|yaml|yml|json|md|rst|txt|html|css|scss|sql|proto|gradle|xml")
_PATH = re.compile(rf"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.(?:{_EXT}))(?![\w/])")
_DOTTED = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\b")
_IDENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b")
_CODE_BLOCK = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ERROR_LINE = re.compile(r"^\s*(?:Caused by: |Exception in thread \"[^\"\n]*\" )?"  # Java's prefixes
                         r"((?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Panic))"
                         r"(?::\s*(.+))?$", re.M)

# stack frames of five languages: (regex, groups → path, line, function)
_FRAMES = [
    ("python", re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?')),
    ("javascript", re.compile(r"at (?:(?:async )?([\w$.<>\[\] ]+?) \()?(?:file://)?([^\s()]+?\.[cm]?[jt]sx?):(\d+)(?::\d+)?\)?")),
    ("java", re.compile(r"at ((?:[\w$]+\.)+[\w$<>]+)\(([\w$]+\.(?:java|kt|scala)):(\d+)\)")),
    # a goroutine frame: optional "pkg/path.(*Type).Method(args)" line, then "\t/abs/path/file.go:17 +0x1d"
    ("go", re.compile(r"^(?:([\w.\-/!@~]+?\.(?:\(\*?\w+\)\.)?[\w.]+)\(.*\)[ \t]*\r?\n)?"
                      r"[ \t]*(\S+?\.go):(\d+)", re.M)),
    ("rust", re.compile(r"(?:panicked at |at )((?:[\w.-]+/)*[\w.-]+\.rs):(\d+)(?::\d+)?")),
]

_STOP = frozenset("""a an and are as at be but by can could did do does for from has have how i if in into is it
its just like may me might my no not of on or our should so some such than that the their them then there these
they this to too use used using was we were what when where which while who why will with would you your
""".split())

# "test(s)" or a test's name: test_x, x_test, TestX, XTest (case-sensitive there: "latest" is no test)
_TEST_WORD = r"(tests?|test_\w+|\w+_tests?|(?-i:Test[A-Z0-9_]\w*|[A-Z]\w*Tests?))"

# rules for the task type: first match wins, and its reason is reported
_TYPE_RULES: list[tuple[str, re.Pattern[str], str]] = [
    ("dependency-upgrade", re.compile(r"\b(upgrade|bump|update)\b.{0,40}\b(dependenc\w*|version|package|library|"
                                      r"requirements?|to v?\d+(\.\d+)+)|\bdeprecat\w+ in (version )?\d", re.I),
     "mentions upgrading a dependency or version"),
    ("test-repair", re.compile(rf"\b(failing|broken|flaky|fix(es|ing)?)\b.{{0,30}}\b{_TEST_WORD}\b|"
                               rf"\b{_TEST_WORD}\b.{{0,30}}\b(fail\w*|broken|flaky)\b", re.I),
     "mentions failing or broken tests"),
    ("bugfix", re.compile(r"\b(bug|error|exception|traceback|crash\w*|panic\w*|fail(s|ed|ing|ure)?|incorrect|"
                          r"(?-i:[A-Z]\w*(Error|Exception))|wrong|unexpected\w*|regression|broken|raises?|"
                          r"should not|doesn'?t work|not work\w*)\b", re.I),
     "mentions an error or wrong behaviour"),
    ("refactor", re.compile(r"\b(refactor\w*|rename|clean ?up|simplif\w+|extract (a |the )?(method|function|class)|"
                            r"move .{0,30} to|deduplicat\w+|reorganiz\w+)\b", re.I), "asks to restructure code"),
    ("feature", re.compile(r"\b(add|support|implement|allow|introduce|new|enable|provide|feature|option|"
                           r"would be (nice|good|great)|enhancement|proposal)\b", re.I), "asks for new behaviour"),
    ("exploration", re.compile(r"\b(how does|where is|explain|understand|overview|what does|find)\b", re.I),
     "asks a question about the code"),
]


@dataclass(frozen=True)
class Frame:
    path: str
    line: int
    function: str = ""


@dataclass
class TaskQuery:
    text: str
    type: str
    type_given: bool
    type_reason: str
    identifiers: list[str] = field(default_factory=list)  # code-like names, most specific first
    paths: list[str] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    code_blocks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "ValueError: message" lines
    terms: list[str] = field(default_factory=list)  # lexical query terms (sub-words, lower case)
    truncated: bool = False


def split_identifier(name: str) -> list[str]:
    """Sub-words of an identifier, lower case: `bulk_createHTTPResponse2` → bulk, create, http, response2."""
    words = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        words += re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+", part)
    return [w.lower() for w in words if w]


def lexical_terms(text: str) -> list[str]:
    """Terms for lexical matching: each identifier lower-cased whole and as sub-words, stop words out."""
    out = []
    for ident in _IDENT.findall(text):
        low = ident.lower()
        subs = split_identifier(ident)
        if len(subs) > 1:
            out.append(low)
        out += [s for s in subs if len(s) > 1 and s not in _STOP and not s.isdigit()]
    return out


def _go_function(name: str) -> str:
    """`example.com/proj/pkg.(*Store).Get` → `Store.Get`; `main.main` → `main`; closures → their function."""
    name = name.rsplit("/", 1)[-1]
    name = name.split(".", 1)[1] if "." in name else name
    name = re.sub(r"\(\*?(\w+)\)", r"\1", name)
    return re.sub(r"(\.func\d+)+$", "", name)


def _looks_code(word: str) -> bool:
    return ("_" in word.strip("_") or re.search(r"[a-z][A-Z]", word) is not None
            or re.match(r"^[A-Z][a-z]+[A-Z]", word) is not None or (word.isupper() and len(word) > 3))


def _classify(text: str, frames: list[Frame]) -> tuple[str, str]:
    for name, rule, reason in _TYPE_RULES:
        if frames and name in ("refactor", "feature", "exploration"):
            break  # a stack trace outweighs a stray "new" or "find" in it
        if m := rule.search(text):
            return name, f"{reason} (\"{m.group(0).strip()[:40]}\")"
    if frames:
        return "bugfix", "contains a stack trace"
    return "exploration", "no rule matched"


def analyze_task(text: str, task_type: str | None = None) -> TaskQuery:
    """Parse a free-text task; `task_type` overrides the inferred type. Empty text is a RequestError."""
    if text is None or not text.strip():
        raise RequestError("the task is empty: say what the agent should do (--task, --task-file or stdin)")
    if task_type is not None and task_type not in TASK_TYPES:
        raise RequestError(f"unknown task type {task_type!r}; one of: {', '.join(TASK_TYPES)}")
    truncated = len(text) > MAX_TASK_CHARS
    text = text[:MAX_TASK_CHARS]

    # issue templates hide instructions in HTML comments; they are not part of the task
    visible = _HTML_COMMENT.sub("", text)
    frames: list[Frame] = []
    for lang, rx in _FRAMES:
        for m in rx.finditer(visible):
            if lang == "python":
                frames.append(Frame(m.group(1), int(m.group(2)), m.group(3) or ""))
            elif lang == "javascript":
                fn = (m.group(1) or "").strip().removeprefix("new ")
                frames.append(Frame(m.group(2), int(m.group(3)), "" if "<" in fn else fn))
            elif lang == "java":
                qual = m.group(1)
                pkg_path = "/".join(qual.split(".")[:-2])
                frames.append(Frame(f"{pkg_path}/{m.group(2)}" if pkg_path else m.group(2), int(m.group(3)),
                                    qual.split(".")[-1]))
            elif lang == "go":
                frames.append(Frame(m.group(2), int(m.group(3)), _go_function(m.group(1) or "")))
            elif lang == "rust":
                frames.append(Frame(m.group(1), int(m.group(2))))
    frames = list(dict.fromkeys(frames))

    code_blocks = [b.strip("\n") for b in _CODE_BLOCK.findall(visible)]
    inline = _INLINE_CODE.findall(visible)
    errors = list(dict.fromkeys(f"{m.group(1)}: {m.group(2)}".strip(": ") for m in _ERROR_LINE.finditer(visible)))
    paths = list(dict.fromkeys(p.lstrip("./") for p in _PATH.findall(visible) if not p.startswith("http")))
    paths = list(dict.fromkeys(paths + [f.path for f in frames if f.path]))

    idents: list[str] = []
    code_text = "\n".join(code_blocks + inline)
    for m in _DOTTED.finditer(visible):
        d = m.group(1)
        if not re.search(rf"\.(?:{_EXT})$", d) and not d.replace(".", "").isdigit():
            idents.append(d)
    for w in _IDENT.findall(visible):
        if _looks_code(w):
            idents.append(w)
    idents += [w for w in _CALL.findall(visible) if len(w) > 2 and w.lower() not in _STOP]  # `Case(`, `save()`
    for w in _IDENT.findall(code_text):  # plain words of code blocks are mostly prose or data, not names
        if len(w) > 2 and w.lower() not in _STOP and (_looks_code(w) or w[0].isupper()):
            idents.append(w)
    idents += [f.function for f in frames if f.function and not f.function.startswith("<")]
    idents = [i for i in dict.fromkeys(idents) if len(i) > 1]
    idents.sort(key=lambda i: (-i.count("."), 0))  # dotted (most specific) first, stable otherwise

    if task_type:
        ttype, given, reason = task_type, True, "given by the request"
    else:
        ttype, reason = _classify(visible, frames)
        given = False
    return TaskQuery(text=text, type=ttype, type_given=given, type_reason=reason, identifiers=idents,
                     paths=paths, frames=frames, code_blocks=code_blocks, errors=errors,
                     terms=lexical_terms(visible), truncated=truncated)
