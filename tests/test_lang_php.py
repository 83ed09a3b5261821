"""PHP: tags query (grammars/php.scm) and `use` / require resolution (composer psr-4, path suffix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "composer.json": """{
    "name": "acme/shop",
    "autoload": {"psr-4": {"App\\\\": "src/"}},
    "autoload-dev": {"psr-4": {"Tests\\\\": ["tests/"]}}
}
""",
    "src/Models/User.php": """<?php

declare(strict_types=1);

namespace App\\Models;

use App\\Contracts\\HasName;
use App\\Support\\{Str, Arr as A};
use Illuminate\\Support\\Collection;

/**
 * A registered user.
 */
#[Entity]
final class User implements HasName
{
    use Concerns\\Greets;

    public const TABLE = 'users';

    public function __construct(private string $name)
    {
    }

    // The display name.
    public function getName(): string
    {
        return Str::title($this->name) . self::TABLE;
    }

    public static function make(string $name): self
    {
        return new self($name);
    }
}

enum Role: string
{
    case Admin = 'admin';
    case Member = 'member';
}
""",
    "src/Models/Concerns/Greets.php": """<?php
namespace App\\Models\\Concerns;

trait Greets
{
    public function greet(): string
    {
        return 'Hello ' . $this->getName();
    }
}
""",
    "src/Contracts/HasName.php": """<?php
namespace App\\Contracts;

interface HasName
{
    public function getName(): string;
}
""",
    "src/Support/Str.php": """<?php
namespace App\\Support;

class Str
{
    public static function title(string $s): string
    {
        return ucwords($s);
    }
}
""",
    "src/Support/Arr.php": """<?php
namespace App\\Support;

class Arr {}
""",
    "lib/helpers.php": """<?php

const APP_NAME = 'shop';
define('APP_DEBUG', false);

/** Formats a user for display. */
function format_user(\\App\\Models\\User $user): string
{
    return APP_NAME . ': ' . $user->getName();
}
""",
    "public/index.php": """<?php
require __DIR__ . '/../vendor/autoload.php';
require_once __DIR__ . '/../lib/helpers.php';
include 'lib/helpers.php';

use App\\Models\\User;
use Tests\\Fixtures\\Users;

echo format_user(User::make('ada'));
""",
    "tests/Fixtures/Users.php": """<?php
namespace Tests\\Fixtures;

final class Users {}
""",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def facts(repo: Path, rel: str):
    return parse_source(rel, "php", (repo / rel).read_bytes())


def test_definitions(repo: Path) -> None:
    f = facts(repo, "src/Models/User.php")
    assert f.diagnostics == []
    q = "App.Models"  # from `namespace App\\Models;`
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("User", "class", f"{q}.User", 14, 35),
        ("TABLE", "constant", f"{q}.User.TABLE", 19, 19),
        ("__construct", "method", f"{q}.User.__construct", 21, 23),
        ("getName", "method", f"{q}.User.getName", 26, 29),
        ("make", "method", f"{q}.User.make", 31, 34),
        ("Role", "enum", f"{q}.Role", 37, 41),
        ("Admin", "constant", f"{q}.Role.Admin", 39, 39),
        ("Member", "constant", f"{q}.Role.Member", 40, 40),
    ]
    user, get_name = f.definitions[0], f.definitions[3]
    assert user.signature == "#[Entity] final class User implements HasName"
    assert user.doc == "A registered user."
    assert get_name.signature == "public function getName(): string"
    assert get_name.doc == "The display name."
    assert f.definitions[1].signature == "TABLE = 'users'"

    greets = facts(repo, "src/Models/Concerns/Greets.php")
    assert [(d.name, d.kind, d.qualname) for d in greets.definitions] == [
        ("Greets", "trait", "App.Models.Concerns.Greets"),
        ("greet", "method", "App.Models.Concerns.Greets.greet"),
    ]
    contract = facts(repo, "src/Contracts/HasName.php")
    assert [(d.name, d.kind, d.qualname, d.signature) for d in contract.definitions] == [
        ("HasName", "interface", "App.Contracts.HasName", "interface HasName"),
        ("getName", "method", "App.Contracts.HasName.getName", "public function getName(): string;"),
    ]
    helpers = facts(repo, "lib/helpers.php")  # no namespace: the path is the prefix
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line, d.doc) for d in helpers.definitions] == [
        ("APP_NAME", "constant", "lib.helpers.APP_NAME", 3, 3, ""),
        ("APP_DEBUG", "constant", "lib.helpers.APP_DEBUG", 4, 4, ""),
        ("format_user", "function", "lib.helpers.format_user", 7, 10, "Formats a user for display."),
    ]


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in facts(repo, "src/Models/User.php").references}
    assert {("HasName", 15), ("Greets", 17), ("Str", 28), ("title", 28), ("TABLE", 28), ("self", 33)} <= refs
    names = {name for name, _ in refs}
    assert not names & {"User", "getName", "make", "Role", "Admin", "Member", "__construct"}
    index = {(r.name, r.line) for r in facts(repo, "public/index.php").references}
    assert {("format_user", 9), ("User", 9), ("make", 9)} <= index
    helpers = {(r.name, r.line) for r in facts(repo, "lib/helpers.php").references}
    assert {("User", 7), ("APP_NAME", 9), ("getName", 9)} <= helpers


def test_imports(repo: Path) -> None:
    assert facts(repo, "src/Models/User.php").imports == [
        Import("App\\Contracts\\HasName", (), 7),
        Import("App\\Support", ("Str", "Arr"), 8),
        Import("Illuminate\\Support\\Collection", (), 9),
    ]
    assert facts(repo, "public/index.php").imports == [
        Import("../vendor/autoload.php", (), 2),
        Import("../lib/helpers.php", (), 3),
        Import("lib/helpers.php", (), 4),
        Import("App\\Models\\User", (), 6),
        Import("Tests\\Fixtures\\Users", (), 7),
    ]


def test_resolution_with_composer_psr4(repo: Path) -> None:
    ctx = RepoContext.build(FILES, read=lambda p: (repo / p).read_bytes())
    assert ctx.php_psr4 == (("Tests\\", "tests"), ("App\\", "src"))

    def resolved(path: str) -> list[list[str]]:
        return [resolve_import(path, "php", i, ctx) for i in facts(repo, path).imports]

    assert resolved("src/Models/User.php") == [
        ["src/Contracts/HasName.php"],
        ["src/Support/Arr.php", "src/Support/Str.php"],  # a group use: each name
        [],  # a vendor package
    ]
    assert resolved("public/index.php") == [
        [],  # vendor/ is not indexed
        ["lib/helpers.php"],  # __DIR__ . '/../lib/helpers.php'
        ["lib/helpers.php"],  # not next to public/index.php: from the repository root
        ["src/Models/User.php"],
        ["tests/Fixtures/Users.php"],  # autoload-dev, a list of directories
    ]


def test_resolution_without_composer_by_path_suffix() -> None:
    paths = ["app/Models/User.php", "app/Http/Controllers/UserController.php", "app/Support/Str.php"]
    ctx = RepoContext.build(paths, read=lambda p: b"")
    assert ctx.php_psr4 == ()
    controller = "app/Http/Controllers/UserController.php"
    # App\\Models\\User.php is not a path suffix (app/ is lower case), Models/User.php is
    user, group = Import("App\\Models\\User", (), 3), Import("App\\Support", ("Str",), 4)
    assert resolve_import(controller, "php", user, ctx) == ["app/Models/User.php"]
    assert resolve_import(controller, "php", group, ctx) == ["app/Support/Str.php"]
    assert resolve_import(controller, "php", Import("Illuminate\\Http\\Request", (), 5), ctx) == []
    assert resolve_import(controller, "php", Import("./missing.php", (), 6), ctx) == []
