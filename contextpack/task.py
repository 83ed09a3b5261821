"""Task text → `TaskQuery`: identifiers, paths, stack frames, code blocks, error messages, and the task
type by explainable rules.

    q = analyze_task("TypeError in QuerySet.bulk_create (django/db/models/query.py, line 12)")
    q.identifiers    # ["QuerySet.bulk_create", "QuerySet", "bulk_create", "TypeError"]
    q.paths          # ["django/db/models/query.py"]
    q.type, q.type_reason

Every pattern here is linear in the text (bounded quantifiers, no nested unbounded repeats, HTML comments
and code fences found by plain search), so the longest task allowed is analysed in well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import RequestError
from .task_input import MAX_TASK_CHARS

TASK_TYPES = ("bugfix", "feature", "refactor", "test-repair", "dependency-upgrade", "exploration")
MAX_NAME = 128  # longer runs of word characters are data, not identifiers

_EXT = (r"py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|cs|rb|php|swift|scala|m|mm|sh|"
        r"toml|cfg|ini|yaml|yml|json|md|rst|txt|html|css|scss|sql|proto|gradle|xml")
_PATH = re.compile(rf"(?<![\w/.-])((?:[\w.-]{{1,{MAX_NAME}}}/){{0,32}}[\w.-]{{1,{MAX_NAME}}}\.(?:{_EXT}))(?![\w/])")
_DOTTED = re.compile(rf"\b([A-Za-z_]\w{{0,{MAX_NAME}}}(?:\.[A-Za-z_]\w{{0,{MAX_NAME}}}){{1,16}})\b")
_IDENT = re.compile(rf"\b([A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME}}})\b")
_INLINE_CODE = re.compile(r"`([^`\n]{1,1000})`")
_CALL = re.compile(rf"\b([A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME}}})\(")
_SPAN_NAME = re.compile(  # a code span that is one (dotted) name, maybe called: `Q`, `Model.save()`
    rf"^\s*@?([A-Za-z_]\w{{0,{MAX_NAME}}}(?:\.[A-Za-z_]\w{{0,{MAX_NAME}}}){{0,16}})(?:\(.{{0,200}}\))?\s*$")
_ERROR_LINE = re.compile(r"^[ \t]*(?:Caused by: |Exception in thread \"[^\"\n]{0,200}\" )?"  # Java's prefixes
                         rf"((?:[\w.]{{1,{MAX_NAME}}}\.)?[A-Z]\w{{0,{MAX_NAME}}}"
                         r"(?:Error|Exception|Warning|Exit|Interrupt|Panic))(?::[ \t]*([^\n]{1,1000}))?$", re.M)

# stack frames of five languages: (regex, groups → path, line, function)
_FRAMES = [
    ("python", re.compile(r'File "([^"\n]{1,500})", line (\d{1,9})(?:, in ([\w<>.]{1,200}))?')),
    ("javascript", re.compile(r"at (?:(?:async )?([\w$.<>\[\] ]{1,60}?) \()?(?:file://)?"
                              r"([^\s()]{1,300}?\.[cm]?[jt]sx?):(\d{1,9})(?::\d{1,9})?\)?")),
    ("java", re.compile(r"at ((?:[\w$]{1,100}\.){1,32}[\w$<>]{1,100})\(([\w$]{1,100}\.(?:java|kt|scala)):(\d{1,9})\)")),
    # a goroutine frame: optional "pkg/path.(*Type).Method(args)" line, then "\t/abs/path/file.go:17 +0x1d"
    ("go", re.compile(r"^(?:([\w.\-/!@~]{1,200}?\.(?:\(\*?\w{1,100}\)\.)?[\w.]{1,100})\([^\n]{0,500}\)[ \t]*\r?\n)?"
                      r"[ \t]*(\S{1,300}?\.go):(\d{1,9})", re.M)),
    ("rust", re.compile(r"(?:panicked at |at )((?:[\w.-]{1,100}/){0,32}[\w.-]{1,100}\.rs):(\d{1,9})(?::\d{1,9})?")),
]

_STOP = frozenset("""a an and are as at be but by can could did do does for from has have how i if in into is it
its just like may me might my no not of on or our should so some such than that the their them then there these
they this to too use used using was we were what when where which while who why will with would you your
""".split())

# "test(s)" or a test's name: test_x, x_test, TestX, XTest (case-sensitive there: "latest" is no test)
_TEST_WORD = r"(tests?|test_\w+|\w+_tests?|(?-i:Test[A-Z0-9_]\w*|[A-Z]\w*Tests?))"

_JS_LOCATION = re.compile(r"\.[cm]?[jt]sx?:\d")

# rules for the task type: first match wins, and its reason is reported
_TYPE_RULES: list[tuple[str, re.Pattern[str], str]] = [
    ("dependency-upgrade", re.compile(r"\b(upgrade|bump|update)\b.{0,40}\b(dependenc\w*|version|package|library|"
                                      r"requirements?|to v?\d+(\.\d+)+)|\bdeprecat\w+ in (version )?\d", re.I),
     "mentions upgrading a dependency or version"),
    ("test-repair", re.compile(rf"\b(failing|broken|flaky|fix(es|ing)?)\b.{{0,30}}\b{_TEST_WORD}\b|"
                               rf"\b{_TEST_WORD}\b.{{0,30}}\b(fail\w*|broken|flaky)\b", re.I),
     "mentions failing or broken tests"),
    ("bugfix", re.compile(r"\b(bug|fix(e[sd]|ing)?|error|exception|traceback|crash\w*|panic\w*|"
                          r"fail(s|ed|ing|ure)?|incorrect|"
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
    code_names: list[str] = field(default_factory=list)  # names the task writes as code: `Q`, `Model.save`, F(
    paths: list[str] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    code_blocks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "ValueError: message" lines
    terms: list[str] = field(default_factory=list)  # lexical query terms (sub-words, lower case)
    truncated: bool = False


def _strip_html_comments(text: str) -> str:
    """`<!-- ... -->` removed (an unclosed one stays): plain search, linear in the text."""
    out, i = [], 0
    while (start := text.find("<!--", i)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        out.append(text[i:start])
        i = end + 3
    out.append(text[i:])
    return "".join(out)


# an environment report pasted from an issue template (`xr.show_versions()`, `pip list`, "- Python version:
# 3.8"): lines of a name and a version, or "name: None", in a run with at least this many versions. Its package
# names are the reporter's set-up, not the task: left in, they rank `print_versions.py` and every backend first.
_REPORT_MIN_VERSIONS = 3
_REPORT_MAX_LINE = 400
_REPORT_KV = re.compile(r"^\s*[-*]?\s*[A-Za-z][\w.\-]{0,60}(?: [\w.\-()]{1,40}){0,3}\s*(?::|==|>=|<=|=)\s*\S")
_REPORT_NV = re.compile(r"^\s*[-*]?\s*[A-Za-z][\w.\-]{0,60}\s+v?\d+\.\d+[\w.+\-]*\s*(?:[^\d\s].*)?$")
_REPORT_FILL = re.compile(r"^\s*(?:[-=*_#~]{3,}|\[[^\]]{1,200}\]|</?details>|</?summary>.*)?\s*$")
_REPORT_VERSION = re.compile(r"(?:^|[\s:=v])\d+\.\d+|:\s*(?:None|not installed)\s*$")
_REPORT_KEEP = re.compile(r"\b[a-z_]\w*\.[a-z_]\w*\.[a-z_]\w*")  # "extensions: sphinx.ext.autodoc" names code
# the heading of a report ("INSTALLED VERSIONS", "Python dependencies:", "### Environment") goes with it
_REPORT_HEAD = re.compile(r"^[\W_]{0,6}[\w .-]{0,40}\b(?:versions?|environment|dependencies|system|platform)\b"
                          r"[\w .-]{0,20}:?[\W_]{0,6}$", re.I)
_REPORT_HEAD_LINES = 3  # blank, rule or heading lines looked back at


def _strip_environment_reports(text: str) -> str:
    """Runs of version lines (with the blank and rule lines between them) removed; lines of a run that name a
    dotted module stay. Linear: every start inside a run of entry lines ends where the run ends, so one pass
    over the run, with its versions and entries counted from the end, finds the first start that is a report."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        j, fill = i, []  # the run of entry and fill lines from i (a fill line does not start one); which are fill
        while j < len(lines) and len(lines[j]) <= _REPORT_MAX_LINE:
            line = lines[j]
            if _REPORT_FILL.match(line):
                if j == i:
                    break
                fill.append(True)
            elif _REPORT_KV.match(line) or _REPORT_NV.match(line):
                fill.append(False)
            else:
                break
            j += 1
        if j == i:
            out.append(lines[i])
            i += 1
            continue
        # versions and entries of lines[s:j], for each s, counted from the end
        versions, entries, tail = 0, 0, []
        for line, is_fill in zip(reversed(lines[i:j]), reversed(fill), strict=True):
            if not is_fill:
                entries += 1  # a version has a "." (3.8) or says None / not installed: most lines need no search
                versions += ("." in line or "N" in line or "not" in line) and _REPORT_VERSION.search(line) is not None
            tail.append((versions, entries))
        tail.reverse()
        start = next((s for s in range(i, j) if not fill[s - i]
                      and tail[s - i][0] >= _REPORT_MIN_VERSIONS and 2 * tail[s - i][0] >= tail[s - i][1]), None)
        out += lines[i:j if start is None else start]
        if start is not None:
            k = len(out)
            while k > 0 and len(out) - k < _REPORT_HEAD_LINES and len(out[k - 1]) <= _REPORT_MAX_LINE \
                    and (_REPORT_FILL.match(out[k - 1]) or _REPORT_HEAD.match(out[k - 1])):
                k -= 1
            del out[k:]
            out += [line for line in lines[start:j] if _REPORT_KEEP.search(line)]
        i = j
    return "\n".join(out)


# an option or message name written in kebab case (`min-similarity-lines`, `--ignore-patterns`): the code that
# reads it spells it in snake case (`config.min_similarity_lines`), a term far rarer than its sub-words
_KEBAB_SPAN = re.compile(r"^\s*-{0,2}([a-z][a-z0-9]{0,40}(?:-[a-z0-9]{1,40}){1,8})(?:=[^`]{0,200})?\s*$")
_KEBAB_OPTION = re.compile(r"(?<![\w-])--([a-z][a-z0-9]{0,40}(?:-[a-z0-9]{1,40}){1,8})(?![\w-])")


def _kebab_terms(visible: str, inline: list[str]) -> list[str]:
    """Snake-case terms of the kebab-case names a task writes as code or as a `--long-option`."""
    names = [m.group(1) for s in inline if (m := _KEBAB_SPAN.match(s))] + _KEBAB_OPTION.findall(visible)
    return [n.replace("-", "_") for n in dict.fromkeys(names)]


def _code_blocks(text: str) -> list[str]:
    """Bodies of ``` fenced blocks (the fence line's info string skipped): plain search, linear."""
    blocks, i = [], 0
    while (start := text.find("```", i)) >= 0:
        body = text.find("\n", start + 3)
        end = text.find("```", body + 1) if body >= 0 else -1
        if end < 0:
            break
        blocks.append(text[body + 1:end])
        i = end + 3
    return blocks


_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_SUBWORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+")


def split_identifier(name: str) -> list[str]:
    """Sub-words of an identifier, lower case: `bulk_createHTTPResponse2` → bulk, create, http, response2."""
    words = []
    for part in _NOT_ALNUM.split(name):
        words += _SUBWORD.findall(part)
    return [w.lower() for w in words if w]


def lexical_terms(text: str) -> list[str]:
    """Terms for lexical matching: each identifier lower-cased whole and as sub-words, stop words out."""
    terms_of: dict[str, list[str]] = {}  # a long task repeats its words: split each distinct one once
    out = []
    for ident in _IDENT.findall(text):
        terms = terms_of.get(ident)
        if terms is None:
            subs = split_identifier(ident)
            terms = terms_of[ident] = ([ident.lower()] if len(subs) > 1 else []) + [
                s for s in subs if len(s) > 1 and s not in _STOP and not s.isdigit()]
        out += terms
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

    # issue templates hide instructions in HTML comments and ask for the reporter's versions; neither is the task
    visible = _strip_environment_reports(_strip_html_comments(text))
    frames: list[Frame] = []
    for lang, rx in _FRAMES:
        if lang == "javascript" and not _JS_LOCATION.search(visible):
            continue  # each "at " would try a frame: skip them all when no script location can end one
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

    code_blocks = [b.strip("\n") for b in _code_blocks(visible)]
    inline = _INLINE_CODE.findall(visible)
    errors = list(dict.fromkeys(f"{m.group(1)}: {m.group(2)}".strip(": ") for m in _ERROR_LINE.finditer(visible)))
    paths = list(dict.fromkeys(p.lstrip("./") for p in _PATH.findall(visible) if not p.startswith("http")))
    paths = list(dict.fromkeys(paths + [f.path for f in frames if f.path]))

    idents: list[str] = []
    code_text = "\n".join(code_blocks + inline)
    for d in dict.fromkeys(_DOTTED.findall(visible)):
        if not re.search(rf"\.(?:{_EXT})$", d) and not d.replace(".", "").isdigit():
            idents.append(d)
    for w in dict.fromkeys(_IDENT.findall(visible)):
        if _looks_code(w):
            idents.append(w)
    # `Case(`, `save()`
    idents += [w for w in dict.fromkeys(_CALL.findall(visible)) if len(w) > 2 and w.lower() not in _STOP]
    # plain words of code blocks are mostly prose or data, not names
    for w in dict.fromkeys(_IDENT.findall(code_text)):
        if len(w) > 2 and w.lower() not in _STOP and (_looks_code(w) or w[0].isupper()):
            idents.append(w)
    idents += [f.function for f in frames if f.function and not f.function.startswith("<")]
    # written as code, a name is a name however short or plain: `Q`, `F()`, `save`, `Model.delete`
    code_names = [m.group(1) for s in inline if (m := _SPAN_NAME.match(s))]
    code_names += [w for w in _CALL.findall(code_text) if w[0].isupper() or len(w) > 2]
    code_names = [n for n in dict.fromkeys(code_names) if n.lower() not in _STOP and not n.replace(".", "").isdigit()]
    idents = [i for i in dict.fromkeys(idents) if len(i) > 1]
    idents += [n for n in code_names if n not in idents]
    idents.sort(key=lambda i: (-i.count("."), 0))  # dotted (most specific) first, stable otherwise

    if task_type:
        ttype, given, reason = task_type, True, "given by the request"
    else:
        ttype, reason = _classify(visible, frames)
        given = False
    return TaskQuery(text=text, type=ttype, type_given=given, type_reason=reason, identifiers=idents,
                     code_names=code_names, paths=paths, frames=frames, code_blocks=code_blocks, errors=errors,
                     terms=lexical_terms(visible) + _kebab_terms(visible, inline), truncated=truncated)
