"""Parsed signatures of definitions, compared by shape: parameters (name, kind, type, default), return
annotation, visibility. Layout is not shape: reformatting a definition leaves its shape unchanged.

The definitions come from `parse.parse_source` (same qualified names as the index); this module finds
each one's tree-sitter node and reads its parameter list through the grammar's field names.

    old = shapes("shop/pricing.py", "python", before)["shop.pricing.apply_discount"]
    new = shapes("shop/pricing.py", "python", after)["shop.pricing.apply_discount"]
    compare(old, new, "python")      # Change(severity="breaking", details=["parameter `percent` → `pct`"])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from .languages import LANGUAGES
from .parse import Definition, parse_source

# languages where a type is part of what a caller compiles against (a type change breaks callers)
STATIC_LANGUAGES = frozenset({"typescript", "tsx", "go", "rust", "java", "c", "cpp", "csharp"})
_PARAM_LISTS = ("parameters", "formal_parameters")
_RETURN_FIELDS = ("return_type", "result")
_VISIBILITY_NODES = frozenset({"accessibility_modifier", "visibility_modifier"})
_MODIFIER_WORDS = frozenset({"public", "private", "protected", "internal", "static", "abstract", "async"})
_PY_DECORATORS = frozenset({"staticmethod", "classmethod", "property"})
_SPLATS = frozenset({"list_splat_pattern", "dictionary_splat_pattern", "list_splat", "dictionary_splat",
                     "rest_pattern"})
_WORDISH = re.compile(r"[\w\"'`$]")
_SPACED = frozenset({"=", "->", "|", "=>", "&"})


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # the grammar's node type: identifier, default_parameter, list_splat_pattern, required_parameter, …
    type: str = ""
    default: str | None = None

    def text(self) -> str:
        out = self.name + ("?" if self.kind == "optional_parameter" else "") + (f": {self.type}" if self.type else "")
        return out + (f" = {self.default}" if self.default is not None else "")


@dataclass(frozen=True)
class Shape:
    qualname: str
    kind: str
    name: str
    params: tuple[Param, ...] = ()
    returns: str = ""
    visibility: str = "public"
    modifiers: tuple[str, ...] = ()
    receiver: str = ""

    def text(self) -> str:
        mods = "".join(f"{m} " for m in self.modifiers)
        recv = f"({self.receiver}) " if self.receiver else ""
        if self.kind in ("class", "struct", "interface", "trait", "enum", "type", "module", "namespace", "impl"):
            return f"{mods}{self.kind} {self.name}"
        ret = f" -> {self.returns}" if self.returns else ""
        return f"{mods}{recv}{self.name}({', '.join(p.text() for p in self.params)}){ret}"


@dataclass
class Change:
    severity: str  # kept | compatible | breaking
    details: list[str] = field(default_factory=list)


def shapes(path: str, language: str, source: bytes, wanted: set[str] | None = None,
           definitions: list[Definition] | None = None, tree: ts.Tree | None = None) -> dict[str, Shape]:
    """The shape of each definition of a file (those in `wanted` only, when given), by qualified name.
    `definitions` and `tree`: the file's definitions and syntax tree (`parse_source_tree`) when already
    parsed (each saves a parse)."""
    spec = LANGUAGES.get(language)
    if spec is None or not spec.parsable:
        return {}
    if definitions is None:
        definitions = parse_source(path, language, source).definitions
    defs = [d for d in definitions if wanted is None or d.qualname in wanted]
    if not defs:
        return {}
    root = (tree or ts.Parser(spec.grammar()).parse(source)).root_node
    out: dict[str, Shape] = {}
    for d in defs:
        node = _find(root, d.name, d.start_line - 1, d.end_line - 1, source)
        out.setdefault(d.qualname, _shape(d.qualname, d.kind, d.name, node, language, source))
    return out


def _find(root: ts.Node, name: str, first_row: int, last_row: int, source: bytes) -> ts.Node | None:
    """The node ending on `last_row`, starting at or after `first_row`, whose `name` field reads `name`."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.end_point[0] < last_row or child.start_point[0] > last_row:
                continue
            name_node = child.child_by_field_name("name")
            if (name_node is not None and child.end_point[0] == last_row and child.start_point[0] >= first_row
                    and _text(name_node, source) == name):
                return child
            stack.append(child)
    return None


def _text(node: ts.Node, source: bytes) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", errors="replace")


def _norm(node: ts.Node | None, source: bytes) -> str:
    """Leaf tokens joined by one space (comments out, string quotes unified): layout-free text."""
    if node is None:
        return ""
    tokens: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if "comment" in n.type:
            continue
        if n.type in ("string", "string_literal", "interpreted_string_literal") or n.child_count == 0:
            text = _text(n, source)
            if n.type.startswith("string") or n.type == "interpreted_string_literal":
                text = re.sub(r"\s+", " ", text.replace("'", '"'))
            tokens.append(text)
            continue
        stack.extend(reversed(n.children))
    return _join(tokens).strip(" ,")


def _join(tokens: list[str]) -> str:
    """Tokens as one canonical line: a space between two words, after `,` and `:`, around `=`, `->`, `|`."""
    out = ""
    for tok in tokens:
        if out and ((_WORDISH.match(out[-1]) and _WORDISH.match(tok[0])) or out.endswith((",", ":"))
                    or tok in _SPACED or out.endswith(tuple(f" {s}" for s in _SPACED))):
            out += " "
        out += tok
    return out


def _params(node: ts.Node, source: bytes) -> tuple[Param, ...]:
    out: list[Param] = []
    for p in node.named_children:
        if "comment" in p.type:
            continue
        typ = _norm(p.child_by_field_name("type"), source).lstrip(": ").strip()
        default = p.child_by_field_name("value")
        names = p.children_by_field_name("name") or p.children_by_field_name("pattern")
        first = p.named_children[0] if p.named_children else None
        if p.type in _SPLATS or (first is not None and first.type in _SPLATS):
            out.append(Param(_norm(p if p.type in _SPLATS else first, source), p.type, typ, None))
            continue
        if not names:
            first = p.named_children[0] if p.named_children and p.type != "identifier" else None
            names = [first] if first is not None and first.type == "identifier" else []
        if not names:  # *args, **kwargs, `*`, `/`, a bare type (Go `func(int)`)
            out.append(Param(_norm(p, source), p.type, "" if p.type != "identifier" else "", None))
            continue
        for n in names:
            out.append(Param(_norm(n, source), p.type, typ,
                             _norm(default, source) if default is not None else None))
    return tuple(out)


def _shape(qualname: str, kind: str, name: str, node: ts.Node | None, language: str, source: bytes) -> Shape:
    if node is None:
        return Shape(qualname, kind, name)
    fn = node
    value = node.child_by_field_name("value")  # `const f = (a) => …`
    if value is not None and value.type in ("arrow_function", "function_expression", "function", "generator_function"):
        fn = value
    params_node = next((fn.child_by_field_name(f) for f in _PARAM_LISTS if fn.child_by_field_name(f)), None)
    if params_node is None and fn.child_by_field_name("parameter") is not None:  # `x => …`
        params: tuple[Param, ...] = (Param(_norm(fn.child_by_field_name("parameter"), source), "identifier"),)
    else:
        params = _params(params_node, source) if params_node is not None else ()
    returns = next((_norm(fn.child_by_field_name(f), source) for f in _RETURN_FIELDS
                    if fn.child_by_field_name(f) is not None), "")
    if not returns and language == "java":
        returns = _norm(fn.child_by_field_name("type"), source)
    receiver = _norm(fn.child_by_field_name("receiver"), source).strip("()")
    modifiers: list[str] = []
    visibility = "public"
    for c in fn.children:
        if c.type in _VISIBILITY_NODES:
            visibility = _text(c, source).split("(")[0].strip()
        elif c.type == "modifiers":
            words = _text(c, source).split()
            modifiers += [w for w in words if w in _MODIFIER_WORDS and w not in ("public", "private", "protected")]
            visibility = next((w for w in words if w in ("public", "private", "protected")), "package")
        elif c.type in ("async", "static") or (c.type in _MODIFIER_WORDS and not c.is_named):
            modifiers.append(c.type)
    if language == "python":
        visibility = "private" if name.startswith("_") and not name.endswith("__") else "public"
        parent = node.parent
        if parent is not None and parent.type == "decorated_definition":
            for dec in parent.children_by_field_name("decorator") or [c for c in parent.children
                                                                       if c.type == "decorator"]:
                word = _norm(dec, source).lstrip("@ ").split("(")[0].strip()
                if word in _PY_DECORATORS:
                    modifiers.append(word)
    elif language == "go":
        visibility = "public" if name[:1].isupper() else "private"
    elif language in ("typescript", "tsx", "javascript") and visibility == "public":
        if name.startswith("#"):
            visibility = "private"
    return Shape(qualname, kind, name, params, returns.lstrip(": ").strip(), visibility, tuple(sorted(modifiers)),
                 receiver)


def compare(old: Shape, new: Shape, language: str) -> Change:
    """How `new` differs from `old` for a caller: kept, compatible (callers keep working) or breaking."""
    static = language in STATIC_LANGUAGES
    breaking: list[str] = []
    compatible: list[str] = []
    if old.visibility != new.visibility:
        (breaking if old.visibility == "public" else compatible).append(
            f"visibility {old.visibility} → {new.visibility}")
    if old.modifiers != new.modifiers:
        breaking.append(f"modifiers {' '.join(old.modifiers) or 'none'} → {' '.join(new.modifiers) or 'none'}")
    if old.receiver != new.receiver:
        breaking.append(f"receiver `{old.receiver}` → `{new.receiver}`")
    for i, op in enumerate(old.params):
        np = new.params[i] if i < len(new.params) else None
        if np is None:
            breaking.append(f"parameter `{op.text()}` removed")
            continue
        if np.name != op.name or (np.kind != op.kind and not _same_kind(op, np)):
            breaking.append(f"parameter `{op.text()}` → `{np.text()}`")
            continue
        if np.type != op.type:
            (breaking if static else compatible).append(f"type of `{op.name}`: `{op.type or '-'}` → `{np.type or '-'}`")
        if op.default is not None and np.default is None:
            breaking.append(f"parameter `{op.name}` lost its default `{op.default}`")
        elif op.default != np.default:
            compatible.append(f"default of `{op.name}`: `{op.default}` → `{np.default}`")
    for np in new.params[len(old.params):]:
        optional = np.default is not None or np.kind in ("list_splat_pattern", "dictionary_splat_pattern",
                                                         "optional_parameter", "rest_pattern")
        optional = optional or np.name.startswith("*") or np.name.startswith("...")
        (compatible if optional else breaking).append(f"parameter `{np.text()}` added")
    if old.returns != new.returns:
        (breaking if static else compatible).append(f"return `{old.returns or '-'}` → `{new.returns or '-'}`")
    if breaking:
        return Change("breaking", breaking + compatible)
    return Change("compatible", compatible) if compatible else Change("kept")


def _same_kind(a: Param, b: Param) -> bool:
    """A parameter that only gained or lost an annotation or a default keeps its kind for a caller."""
    plain = {"identifier", "typed_parameter", "default_parameter", "typed_default_parameter"}
    return a.kind in plain and b.kind in plain
