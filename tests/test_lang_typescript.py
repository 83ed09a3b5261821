"""TypeScript and TSX: tags queries (grammars/typescript.scm serves both) and import resolution
(tsconfig `extends` + `paths` + `baseUrl`, ESM `.js` specifiers, index files, workspace packages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "tsconfig.base.json": """{
  "compilerOptions": {
    "baseUrl": ".",
    "paths": {
      "@app/*": ["src/*"],
      "@models": ["src/models/index.ts"]
    }
  }
}
""",
    "tsconfig.json": """{
  "extends": "./tsconfig.base.json", /* aliases live in the base config */
  "compilerOptions": { "strict": true, "jsx": "react-jsx", },
  "include": ["src", "packages"],
}
""",
    "src/models/index.ts": 'export * from "./user";\n',
    "src/models/user.ts": """/** Identifier of a user. */
export type UserId = string;

export enum Role {
  Admin,
  Member,
}

// A person with an account.
export interface User {
  id: UserId;
  role: Role;
  greet(other: User): string;
}

export const DEFAULT_ROLE: Role = Role.Member;
""",
    "src/services/cache.ts": "export const cache = new Map<string, any>();\n",
    "src/services/userService.ts": """import type { User, UserId } from "@models";
import { Role } from "@app/models/user";
import { Button } from "@acme/ui";
import { cache } from "./cache.js";
import express = require("express");

export namespace Services {
  export const VERSION = 2;
}

export abstract class Repository<T> {
  abstract find(id: UserId): T | undefined;
}

/** Keeps users in memory. */
@Injectable()
export class UserService extends Repository<User> {
  private readonly users = new Map<UserId, User>();

  constructor(private readonly admin: User) {
    super();
  }

  find(id: UserId): User | undefined {
    return cache.get(id) ?? this.users.get(id);
  }

  isAdmin(user: User): boolean {
    return user.role === Role.Admin;
  }
}

export function createService(admin: User): UserService {
  return new UserService(admin);
}
""",
    "src/components/UserCard.tsx": """import React from "react";
import { Button } from "@acme/ui/Button";
import type { User } from "../models";

type Props = { user: User; onSelect?: (u: User) => void };

/** Renders one user. */
export function UserCard({ user, onSelect }: Props) {
  return (
    <div className="card">
      <Button onClick={() => onSelect?.(user)}>{user.id}</Button>
    </div>
  );
}

export const UserList = ({ users }: { users: User[] }) => (
  <ul>{users.map((u) => <UserCard key={u.id} user={u} />)}</ul>
);
""",
    "packages/ui/package.json": '{"name": "@acme/ui", "version": "1.0.0", "main": "src/index.ts"}\n',
    "packages/ui/src/index.ts": 'export { Button } from "./Button";\n',
    "packages/ui/src/Button.tsx": """export function Button(props: { onClick: () => void; label?: string }) {
  return <button onClick={props.onClick}>{props.label}</button>;
}
""",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def _facts(repo: Path, rel: str):
    language = "tsx" if rel.endswith(".tsx") else "typescript"
    return parse_source(rel, language, (repo / rel).read_bytes())


def _rows(facts):
    return [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in facts.definitions]


def test_typescript_definitions(repo: Path) -> None:
    service = _facts(repo, "src/services/userService.ts")
    assert service.diagnostics == []
    q = "src.services.userService"
    assert _rows(service) == [
        ("Services", "namespace", f"{q}.Services", 7, 9),
        ("Repository", "class", f"{q}.Repository", 11, 13),
        ("find", "method", f"{q}.Repository.find", 12, 12),  # abstract method
        ("UserService", "class", f"{q}.UserService", 16, 31),  # from its decorator
        ("users", "variable", f"{q}.UserService.users", 18, 18),
        ("constructor", "method", f"{q}.UserService.constructor", 20, 22),
        ("find", "method", f"{q}.UserService.find", 24, 26),
        ("isAdmin", "method", f"{q}.UserService.isAdmin", 28, 30),
        ("createService", "function", f"{q}.createService", 33, 35),
    ]
    user_service = service.definitions[3]
    assert user_service.signature == "class UserService extends Repository<User>"
    assert user_service.doc == "Keeps users in memory."  # above the decorator
    assert service.definitions[6].signature == "find(id: UserId): User | undefined"
    assert service.definitions[6].parent == f"{q}.UserService"

    models = _facts(repo, "src/models/user.ts")
    assert _rows(models) == [
        ("UserId", "type", "src.models.user.UserId", 2, 2),
        ("Role", "enum", "src.models.user.Role", 4, 7),
        ("User", "interface", "src.models.user.User", 10, 14),
        ("id", "variable", "src.models.user.User.id", 11, 11),
        ("role", "variable", "src.models.user.User.role", 12, 12),
        ("greet", "method", "src.models.user.User.greet", 13, 13),
        ("DEFAULT_ROLE", "constant", "src.models.user.DEFAULT_ROLE", 16, 16),
    ]
    assert models.definitions[0].doc == "Identifier of a user."
    assert models.definitions[2].doc == "A person with an account."
    assert models.definitions[5].signature == "greet(other: User): string"


def test_tsx_definitions(repo: Path) -> None:
    card = _facts(repo, "src/components/UserCard.tsx")
    assert card.diagnostics == []
    assert _rows(card) == [
        ("Props", "type", "src.components.UserCard.Props", 5, 5),
        ("user", "variable", "src.components.UserCard.Props.user", 5, 5),
        ("onSelect", "variable", "src.components.UserCard.Props.onSelect", 5, 5),
        ("UserCard", "function", "src.components.UserCard.UserCard", 8, 14),
        ("UserList", "function", "src.components.UserCard.UserList", 16, 18),
    ]
    assert card.definitions[3].signature == "function UserCard({ user, onSelect }: Props)"
    assert card.definitions[3].doc == "Renders one user."
    # an inline parameter type's properties are no definitions
    assert _rows(_facts(repo, "packages/ui/src/Button.tsx")) == [
        ("Button", "function", "packages.ui.src.Button.Button", 1, 3),
    ]


def test_references(repo: Path) -> None:
    service = {(r.name, r.line) for r in _facts(repo, "src/services/userService.ts").references}
    assert {("Injectable", 16), ("Repository", 17), ("User", 17), ("Map", 18), ("UserId", 18),
            ("cache", 25), ("get", 25), ("Role", 29), ("Admin", 29), ("UserService", 34)} <= service
    definitions = {("Services", 7), ("Repository", 11), ("UserService", 17), ("find", 24), ("isAdmin", 28)}
    assert not definitions & service
    card = {(r.name, r.line) for r in _facts(repo, "src/components/UserCard.tsx").references}
    assert {("Button", 11), ("onSelect", 11), ("UserCard", 17), ("Props", 8), ("User", 16)} <= card  # JSX too
    assert ("UserCard", 8) not in card


def test_imports(repo: Path) -> None:
    assert _facts(repo, "src/services/userService.ts").imports == [
        Import("@models", ("User", "UserId"), 1),  # import type
        Import("@app/models/user", ("Role",), 2),
        Import("@acme/ui", ("Button",), 3),
        Import("./cache.js", ("cache",), 4),
        Import("express", ("express",), 5),  # import x = require()
    ]
    assert _facts(repo, "src/components/UserCard.tsx").imports == [
        Import("react", ("React",), 1),
        Import("@acme/ui/Button", ("Button",), 2),
        Import("../models", ("User",), 3),
    ]
    assert _facts(repo, "src/models/index.ts").imports == [Import("./user", ("*",), 1)]


def test_resolution(repo: Path) -> None:
    paths = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    ctx = RepoContext.build(paths, lambda p: (repo / p).read_bytes())

    def resolved(rel: str) -> list[list[str]]:
        language = "tsx" if rel.endswith(".tsx") else "typescript"
        return [resolve_import(rel, language, i, ctx) for i in _facts(repo, rel).imports]

    assert resolved("src/services/userService.ts") == [
        ["src/models/index.ts"],  # "@models": exact `paths` entry from the extended tsconfig.base.json
        ["src/models/user.ts"],  # "@app/*" wildcard
        ["packages/ui/src/index.ts"],  # workspace package: package.json "main"
        ["src/services/cache.ts"],  # ESM "./cache.js" names cache.ts
        [],  # express: external
    ]
    assert resolved("src/components/UserCard.tsx") == [
        [],  # react
        ["packages/ui/src/Button.tsx"],  # workspace package subpath, under src/
        ["src/models/index.ts"],  # "../models": directory index
    ]
    assert resolved("src/models/index.ts") == [["src/models/user.ts"]]
    assert resolved("packages/ui/src/index.ts") == [["packages/ui/src/Button.tsx"]]
    # baseUrl "." makes "src/…" importable as a bare path
    assert resolve_import("src/x.ts", "typescript", Import("src/services/cache", (), 1), ctx) == [
        "src/services/cache.ts"]


def test_tsconfig_nearest_and_jsconfig_lenient(tmp_path: Path) -> None:
    files = {
        "apps/web/jsconfig.json": '{ // web only\n "compilerOptions": {"paths": {"~/*": ["./lib/*",],},},}\n',
        "apps/web/lib/date.js": "export const today = () => new Date();\n",
        "apps/web/pages/home.jsx": 'import { today } from "~/date";\n',
        "lib/date.js": "export const other = 1;\n",
    }
    ctx = RepoContext.build(files, lambda p: files[p].encode())
    imp = Import("~/date", ("today",), 1)
    # `paths` without baseUrl are relative to the config; the config nearest to the file applies
    assert resolve_import("apps/web/pages/home.jsx", "javascript", imp, ctx) == ["apps/web/lib/date.js"]
    assert resolve_import("lib/x.js", "javascript", imp, ctx) == []
