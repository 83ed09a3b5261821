"""Secrets out of every text that leaves (content, signatures, maps): detect-secrets' detectors on each
line that is shown, private key blocks whole, and the shapes those detectors miss (newer provider
prefixes, URL passwords, auth headers, literals bound to secret-like names, credential arguments). A
secret inside a quoted literal takes the whole literal with it (escaped and doubled quotes included).
Detection costs ~60 µs a line that might hold a secret (a cheap screen passes the others), so it runs
only on lines that leave. Reports what was found (type and
line), never the secret itself.

    scrub("URL = 'redis://:pw0rd@cache'", "settings.py")   # the one call for any text a surface prints
    r = Redactor(lines, "config.py")
    r.line(3)          # line 3 with any secret replaced by [REDACTED]; detection runs once, on demand
    r.found            # {3: "AWS Access Key"}
    redact("key = 'AKIAIOSFODNN7EXAMPLE'\\n", "config.py")   # whole text at once
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import math
import re
from collections import Counter

# entropy detectors flag ordinary identifiers and hashes in code; IP addresses are not credentials
_NOISY = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}
_KEY_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----")
_KEY_END = re.compile(r"-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----")
_TOKEN_CHAR = re.compile(r"[^\s'\"`<>(){}\[\],;]")
_QUOTES = "\"'`"
MARK = "[REDACTED]"
MAX_CACHED_LINES = 200_000  # lines whose verdict is memoised (code repeats lines a lot, across files too)


@functools.cache
def _plugins() -> tuple:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class  # ~0.2 s: on first use

    mapping = get_mapping_from_secret_type_to_class()
    return tuple(cls() for name, cls in sorted((c.__name__, c) for c in mapping.values()) if name not in _NOISY)


@functools.cache
def _keyword_screen() -> re.Pattern[str]:
    """The keyword detector is the slowest per line; its own keyword list says when it can fire."""
    from detect_secrets.plugins.keyword import DENYLIST_REGEX

    return re.compile(DENYLIST_REGEX, re.I)


# Most lines hold nothing any detector can match; these cheap tests pass every line that might. Each detector
# pattern (as reviewed: REVIEWED_PATTERNS) and each shape below needs one of the hints in the line case-folded
# (as (?i) sees it), or a run of 20 token characters, or one of the short shapes.
_HINTS = ("key", "pass", "pwd", "secret", "contrase", "token", "credential", "auth", "bearer", "basic", "://",
          "ls0tls1", "xox")
_LONG_RUN = re.compile(r"[A-Za-z0-9_/+-]{20}")
_SHORT_SHAPES = re.compile(r"eyJ|AKC[a-zA-Z0-9]{10}|AP[\dABCDEF][a-zA-Z0-9]{8}")  # JWT, Artifactory
# sha256 of the regex detectors' patterns the hints were checked against (detect-secrets 1.5); other
# patterns (another version) turn the screen off rather than risk a miss
REVIEWED_PATTERNS = "552102fa1fe33ccd0345a6df6414168dea4184bc99a538ef17cc3e3f35fccf27"


@functools.cache
def _screen_applies() -> bool:
    patterns = sorted(f"{type(p).__name__}:{rx.flags}:{rx.pattern}" for p in _plugins()
                      for rx in getattr(p, "denylist", ()))
    return hashlib.sha256("\n".join(patterns).encode()).hexdigest() == REVIEWED_PATTERNS


def _may_hold_secret(text: str) -> bool:
    folded = text.casefold().replace("ı", "i")  # (?i) takes the dotless i for an i; casefold does not
    return (any(map(folded.__contains__, _HINTS)) or _LONG_RUN.search(text) is not None
            or _SHORT_SHAPES.search(text) is not None or not _screen_applies())


_SECRET_NAME = (r"[\w.-]{0,40}(?:passw|passphrase|pwd|secret|token|credential|api_?key|apikey|private_?key|"
                r"access_?key|signing_?key|client_?key)[\w.-]{0,40}")
# shapes detect-secrets misses: (type, pattern); the group "s", or else the whole match, is the secret
_SHAPES = [(kind, re.compile(rx)) for kind, rx in [
    ("OpenAI Key", r"\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}"),
    ("Anthropic Key", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    ("Google API Key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("Hugging Face Token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("npm Token", r"\bnpm_[A-Za-z0-9]{36}"),
    ("Base64 Private Key", r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]*"),  # "-----BEGIN" in base64
    ("Azure Storage Key", r"(?i)\b(?:Account|SharedAccess)Key\s*=\s*(?P<s>[A-Za-z0-9+/=]{16,})"),
    ("GitHub Token", r"\b(?:github_pat_[A-Za-z0-9_]{22,}|gh[pousr]_[A-Za-z0-9]{36,})"),
    ("GitLab Token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("URL Password", r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,20}://[^\s/:@'\"]{0,100}:(?P<s>[^\s/@'\"]{1,200})@"),
    ("Authorization Header", r"\b(?:Bearer|Token)\s+(?P<s>[A-Za-z0-9._~+/-]{12,}=*)"),
    ("Basic Auth Header", r"\bBasic\s+(?P<s>[A-Za-z0-9+/]{8,}={0,2})"),
    ("AWS Secret Key", r"(?<![A-Za-z0-9/+])(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
    ("Password in Comment", r"(?i)(?:#|//|/\*|<!--|--|;)[^\n]{0,200}?\b(?:passw(?:or)?d|passphrase|pwd|secret|"
                            r"token|api[ _-]?key)s?\b\s*(?:[:=]|\bis\b)\s*(?P<s>[^\s'\"`]{6,})"),
]]
# a string literal in a credential position: bound to a secret-like name, the password of an auth pair,
# or the fallback of a secret-like environment variable; `q` marks where the literal starts
_POSITIONS = [(kind, re.compile(rx)) for kind, rx in [
    ("Secret Keyword", rf"(?i)(?<![\w.-])(?:{_SECRET_NAME})[\"']?\s*(?:=|:|=>|:=)\s*[rbuf]?(?P<q>[\"'`])"),
    ("Credential Pair", r"(?i)\b\w{0,30}auth\w{0,30}\s*[=(:]\s*[(\[]?\s*([\"'])[^\"'\n]{0,200}\1\s*,\s*(?P<q>[\"'])"),
    ("Secret Default", rf"(?i)\b(?:getenv|get|fetch|setdefault)\(\s*[\"'](?:{_SECRET_NAME})[\"']\s*,\s*(?P<q>[\"'])"),
]]
# a value that is a template or a reference, not a secret: %(name)s, {name}, ${VAR}, $VAR, <name>, a space
_TEMPLATE = re.compile(r"%\(\w*\)|\{\w*\}|\$\{|\$\(|^\$\w+$|<\w*>|\s")
# a detect-secrets finding that is a reference as a whole (`://admin:{DB_PASSWORD}@`), not a value
_REFERENCE = re.compile(r"\{\w+\}|\$\{\w+\}|\$\w+|<\w+>|%\(\w+\)s")
# files where `NAME = value` without quotes is a setting (.env, ini, properties, shell, YAML, TOML, plain
# text such as a task), not an expression of code
_SETTING_FILES = frozenset({"", "env", "ini", "cfg", "conf", "properties", "sh", "bash", "zsh", "yaml", "yml",
                            "toml", "txt", "md", "example", "sample", "local", "dist"})
_SETTING = re.compile(rf"(?i)^\s*(?:export\s+|set\s+)?[\"']?(?:{_SECRET_NAME})[\"']?\s*[=:]\s*"
                      r"(?P<s>[^\s'\"`#;,][^\s'\"`]*)")
# the same in the middle of a line (a task's "run `export API_TOKEN=…` and", "fails when password=…"): only
# with "=" (a ":" mid-sentence is prose) and not a call's keyword argument bound to a call (`password=get()`)
_INLINE_SETTING = re.compile(rf"(?i)(?<![\w.-])(?:{_SECRET_NAME})[\"']?[ \t]*=[ \t]*"
                             r"(?P<s>[^\s'\"`#;,()=][^\s'\"`,;()]*+)(?!\()")
_RANDOM_RUN = re.compile(r"[A-Za-z0-9+/=_-]+")
_MIN_SECRET_LEN = 8
_MIN_ENTROPY = 3.0  # bits per character: random tokens are well above, words and names below
_MIN_KEY_ENTROPY = 4.0  # 40 random base64 characters carry ~4.7 bits each; a path or identifier less
_MIN_KEY_CASE = 8  # random base64 of 40 characters has ~16 of each case; a camelCase name has few capitals
_PLACEHOLDERS = frozenset({"pass", "password", "passwd", "pw", "pwd", "secret", "token", "xxx", "xxxx"})


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _classes(text: str) -> int:
    return sum(any(f(c) for c in text) for f in (str.islower, str.isupper, str.isdigit))


def _plausible(kind: str, value: str) -> bool:
    """Whether a candidate is a secret rather than ordinary code (a word, a path, a template, a URL)."""
    if kind == "AWS Secret Key":  # no keyword around it: only a truly random run, not a path or a name
        return (_classes(value) == 3 and value.count("/") < 3 and _entropy(value) >= _MIN_KEY_ENTROPY
                and min(sum(map(str.isupper, value)), sum(map(str.islower, value))) >= _MIN_KEY_CASE)
    if kind == "Authorization Header":
        return _classes(value) == 3 and _entropy(value) >= _MIN_ENTROPY
    if kind == "URL Password":  # documentation writes user:pass@host and <password>
        return value.lower().strip("*") not in _PLACEHOLDERS and not any(c in value for c in "<>{}$%*")
    if kind == "Basic Auth Header":
        try:
            return b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            return False
    if kind in ("Secret Keyword", "Secret Setting", "Secret Default", "Credential Pair", "Password in Comment"):
        return (len(value) >= _MIN_SECRET_LEN if kind != "Credential Pair" else bool(value)) and \
            not _TEMPLATE.search(value) and "://" not in value and not value.startswith("/") and \
            (kind == "Credential Pair" or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)))
    return True


def _literals(text: str) -> list[tuple[int, int]]:
    """(start, end) of the content of each quoted literal on a line; escaped and doubled quotes stay
    inside, and a literal left open runs to the end of the line."""
    spans, i, n = [], 0, len(text)
    while i < n:
        q = text[i]
        if q not in _QUOTES:
            i += 1
            continue
        j = i + 1
        while j < n:
            if text[j] == "\\":
                j += 2
            elif text[j] == q and j + 1 < n and text[j + 1] == q:
                j += 2
            elif text[j] == q:
                break
            else:
                j += 1
        spans.append((i + 1, min(j, n)))
        i = j + 1
    return spans


def _enclosing(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    return next(((a, b) for a, b in spans if a <= start and end <= b), None)


def _token(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen to the whole token a detector matched part of ("ghp" → the full token)."""
    while start > 0 and _TOKEN_CHAR.match(text[start - 1]):
        start -= 1
    while end < len(text) and _TOKEN_CHAR.match(text[end]):
        end += 1
    return start, end


def _quoted_quote(text: str, span: tuple[int, int]) -> bool:
    """Whether a literal holds an escaped or doubled quote (where a detector's value stops short)."""
    body, q = text[span[0]:span[1]], text[span[0] - 1]
    return "\\" + q in body or q + q in body


def _spans_of(text: str, value: str, literals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where a detected value is, widened to its token, or to its whole literal when that holds a quote
    the detector stopped at; occurrences inside literals first (a short value also occurs in names)."""
    found, at = [], text.find(value)
    while at >= 0 and value:
        found.append((at, at + len(value)))
        at = text.find(value, at + 1)
    inside = [(a, b, lit) for a, b in found if (lit := _enclosing(literals, a, b))]
    if not inside:
        return [_token(text, a, b) for a, b in found]
    return [lit if _quoted_quote(text, lit) else _token(text, a, b) for a, b, lit in inside]


def _shape_spans(text: str, literals: list[tuple[int, int]], setting: bool) -> list[tuple[int, int, str]]:
    """Secrets of the shapes detect-secrets misses, as (start, end, type)."""
    out = []
    for kind, rx in _SHAPES:
        for m in rx.finditer(text):
            group = "s" if "s" in rx.groupindex else 0
            if _plausible(kind, m.group(group)):
                out.append((m.start(group), m.end(group), kind))
    if setting:
        settings = list(_INLINE_SETTING.finditer(text))
        if m := _SETTING.match(text):  # at the start of a line ":" binds too (YAML, `.properties`)
            settings.append(m)
        for m in settings:
            if _plausible("Secret Setting", m.group("s")):
                out.append((m.start("s"), m.end("s"), "Secret Setting"))
    for kind, rx in _POSITIONS:
        for m in rx.finditer(text):
            lit = _enclosing(literals, m.end("q"), m.end("q"))
            if lit and _plausible(kind, text[lit[0]:lit[1]]):
                out.append((*lit, kind))
    return out


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each (merged) span replaced by the mark."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in reversed(merged):
        text = text[:a] + MARK + text[b:]
    return text


class Redactor:
    def __init__(self, lines: list[str], filename: str):
        self.lines = lines
        self.filename = filename
        self.found: dict[int, str] = {}  # line → secret type
        self._kind = filename.rsplit(".", 1)[-1] if "." in filename else ""  # detectors read the file type
        self._clean: dict[int, str] = {}
        self._keys: set[int] | None = None

    @property
    def _key_lines(self) -> set[int]:
        """Lines inside private key blocks (found on first use: most files never leave)."""
        if self._keys is None:
            self._keys, inside = set(), False
            for i, text in enumerate(self.lines, 1):
                if inside or ("PRIVATE KEY" in text and _KEY_BEGIN.search(text)):
                    self._keys.add(i)
                    inside = not _KEY_END.search(text)
        return self._keys

    def line(self, n: int) -> str:
        """Line n (1-based) with any secret replaced."""
        if n in self._clean:
            return self._clean[n]
        text = self.lines[n - 1]
        if n in self._key_lines:
            text = re.sub(r"\S.*", "[REDACTED private key]", text, count=1)
            self.found[n] = "Private Key"
        else:
            text, kind = _detect(self._kind, text)
            if kind:
                self.found[n] = kind
        self._clean[n] = text
        return text


@functools.lru_cache(maxsize=MAX_CACHED_LINES)
def _detect(kind: str, text: str) -> tuple[str, str]:
    """The line with every secret found replaced, and the type of the last one ("" if none). A pure
    function of the file type (all the detectors read of the file name) and the line, so memoised."""
    return _find(kind, text) if _may_hold_secret(text) else (text, "")


def _find(kind: str, text: str) -> tuple[str, str]:
    """`_detect` without the screen: every detector and shape on the line."""
    filename = f"file.{kind}" if kind else "file"
    literals = _literals(text)
    spans, found = [], ""
    screen = _keyword_screen().search(text) is not None
    for plugin in _plugins():
        if not screen and type(plugin).__name__ == "KeywordDetector":
            continue
        for secret in plugin.analyze_line(filename=filename, line=text, line_number=1):
            value = secret.secret_value
            if not value or _REFERENCE.fullmatch(value) or (  # `user:password@host` in docs is a placeholder
                    secret.type == "Basic Auth Credentials" and value.lower() in _PLACEHOLDERS):
                continue
            spans += _spans_of(text, value, literals)
            found = secret.type
    for a, b, shape in _shape_spans(text, literals, kind.lower() in _SETTING_FILES):
        spans.append((a, b))
        found = found or shape
    return (_replace(text, spans), found) if spans else (text, "")


# Provider tokens, secrets wherever they stand: the rules for file and directory names, where keyword rules
# would take ordinary names (password_reset.py, api_key_test.go) for secrets. One regex: every path of
# every refresh passes it, behind a cheaper screen: each shape holds a run of 20 token characters.
_NAME_SCREEN = re.compile(r"[A-Za-z0-9_-]{20}")
_START = r"(?<![A-Za-z0-9])"  # `notes_sk-proj-…`: in a name, `_` and `.` separate words
# (kind, what may stand before it, its prefix, the rest): the prefixes are also a second screen, far cheaper than
# the full search (~0.6 µs a character), which a bundle's names pass (Bundle.build) as every path does
_NAME_TOKEN_SHAPES = [
    ("aws", r"(?<![A-Z0-9])", r"AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA", r"[A-Z0-9]{16}(?![A-Z0-9])"),
    ("github", _START, r"gh[pousr]_", r"[A-Za-z0-9]{36,}"),
    ("github", _START, r"github_pat_", r"[A-Za-z0-9_]{22,}"),
    ("gitlab", _START, r"glpat-", r"[A-Za-z0-9_-]{20,}"),
    ("slack", _START, r"xox[abposr]-", r"[A-Za-z0-9-]{15,}"),
    ("stripe", _START, r"[sr]k_(?:live|test)_", r"[A-Za-z0-9]{20,}"),
    ("openai", _START, r"sk-(?:proj|svcacct|admin|None)-", r"[A-Za-z0-9_-]{20,}"),
    ("anthropic", _START, r"sk-ant-", r"[A-Za-z0-9_-]{20,}"),
    ("google", _START, r"AIza", r"[0-9A-Za-z_-]{35}"),
    ("huggingface", _START, r"hf_", r"[A-Za-z0-9]{30,}"),
    ("npm", _START, r"npm_", r"[A-Za-z0-9]{36}"),
    ("sendgrid", _START, r"SG\.", r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    ("jwt", _START, r"eyJ", r"[A-Za-z0-9_-]{17,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
]
_NAME_TOKENS = re.compile("|".join(f"(?P<t{i}>{before}(?:{prefix}){rest})"
                                   for i, (_, before, prefix, rest) in enumerate(_NAME_TOKEN_SHAPES)))
_TOKEN_KIND = {f"t{i}": kind for i, (kind, _, _, _) in enumerate(_NAME_TOKEN_SHAPES)}
_NAME_PREFIX = re.compile("|".join(prefix for _, _, prefix, _ in _NAME_TOKEN_SHAPES))


def _may_hold_token(name: str) -> bool:
    return _NAME_SCREEN.search(name) is not None and _NAME_PREFIX.search(name) is not None


def path_secret(path: str) -> str | None:
    """Which provider token a file or directory name holds (`aws`, `github`, …), or None."""
    m = _NAME_TOKENS.search(path) if _may_hold_token(path) else None
    return _TOKEN_KIND[m.lastgroup] if m else None


def redact_path(path: str) -> str:
    """`path` (or any name) with each token in it replaced by the mark."""
    return _NAME_TOKENS.sub(MARK, path) if _may_hold_token(path) else path


def scrub(text: str, filename: str = "") -> str:
    """`text` with every secret replaced: the one function each surface calls on what it prints."""
    return redact(text, filename)[0]


def redact(text: str, filename: str) -> tuple[str, dict[int, str]]:
    """`text` with secrets replaced; findings as {line number: secret type}."""
    lines = text.split("\n")
    r = Redactor(lines, filename)
    return "\n".join(r.line(i) for i in range(1, len(lines) + 1)), dict(sorted(r.found.items()))
