"""C: tags query (grammars/c.scm) and #include resolution (file dir, parents, include roots, file name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "include/geo/point.h": """/* Geometry: points in the plane. */
#ifndef GEO_POINT_H
#define GEO_POINT_H

#include <stddef.h>

#define GEO_MAX_POINTS 128

/* A point in the plane.
 * Coordinates are in metres. */
typedef struct point {
    double x;
    double y;
} point_t;

typedef enum { GEO_OK, GEO_ERR } geo_status;

extern const char *geo_name;

/* Distance between two points. */
double geo_distance(const point_t *a, const point_t *b);

#endif
""",
    "src/geo/point.c": """#include "geo/point.h"
#include "util.h"
#include <math.h>

const char *geo_name = "geo";
static const int precision = 6;

// Euclidean distance.
// Never negative.
double geo_distance(const point_t *a, const point_t *b)
{
    double dx = a->x - b->x;
    double dy = a->y - b->y;
    return sqrt(SQUARE(dx) + SQUARE(dy));
}

static int clamp(int count)
{
    return count > GEO_MAX_POINTS ? GEO_MAX_POINTS : count;
}
""",
    "src/geo/util.h": """#define SQUARE(v) ((v) * (v))

union number {
    int i;
    double d;
};

enum unit { UNIT_M, UNIT_KM };
""",
    "src/main.c": """#include <stdio.h>
#include "geo/point.h"
#include "util.h"

int main(void)
{
    point_t origin = {0, 0};
    printf("%f\\n", geo_distance(&origin, &origin));
    return GEO_OK;
}
""",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def facts(repo: Path, rel: str):
    return parse_source(rel, "c", (repo / rel).read_bytes())


def test_definitions_of_a_header(repo: Path) -> None:
    f = facts(repo, "include/geo/point.h")
    assert f.diagnostics == []
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("GEO_MAX_POINTS", "constant", "include.geo.point.GEO_MAX_POINTS", 7, 7),
        ("point_t", "type", "include.geo.point.point_t", 11, 14),
        ("point", "struct", "include.geo.point.point_t.point", 11, 14),
        ("geo_status", "enum", "include.geo.point.geo_status", 16, 16),
        ("GEO_OK", "constant", "include.geo.point.geo_status.GEO_OK", 16, 16),
        ("GEO_ERR", "constant", "include.geo.point.geo_status.GEO_ERR", 16, 16),
        ("geo_name", "variable", "include.geo.point.geo_name", 18, 18),
        ("geo_distance", "function", "include.geo.point.geo_distance", 21, 21),
    ]
    by_name = {d.name: d for d in f.definitions}
    assert by_name["point_t"].doc == "A point in the plane.\nCoordinates are in metres."
    assert by_name["geo_distance"].doc == "Distance between two points."
    assert by_name["geo_distance"].signature == "double geo_distance(const point_t *a, const point_t *b);"
    assert by_name["GEO_MAX_POINTS"].signature == "#define GEO_MAX_POINTS 128"
    # a guard without a value is not a definition
    assert "GEO_POINT_H" not in by_name


def test_definitions_of_a_source_file(repo: Path) -> None:
    f = facts(repo, "src/geo/point.c")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("geo_name", "variable", "src.geo.point.geo_name", 5, 5),
        ("precision", "constant", "src.geo.point.precision", 6, 6),
        ("geo_distance", "function", "src.geo.point.geo_distance", 10, 15),
        ("clamp", "function", "src.geo.point.clamp", 17, 20),
    ]
    dist = f.definitions[2]
    assert dist.signature == "double geo_distance(const point_t *a, const point_t *b)"
    assert dist.doc == "Euclidean distance.\nNever negative."
    assert f.definitions[3].signature == "static int clamp(int count)"
    assert f.definitions[3].doc == ""

    util = facts(repo, "src/geo/util.h")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in util.definitions] == [
        ("SQUARE", "function", "src.geo.util.SQUARE", 1, 1),
        ("number", "struct", "src.geo.util.number", 3, 6),
        ("unit", "enum", "src.geo.util.unit", 8, 8),
        ("UNIT_M", "constant", "src.geo.util.unit.UNIT_M", 8, 8),
        ("UNIT_KM", "constant", "src.geo.util.unit.UNIT_KM", 8, 8),
    ]


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in facts(repo, "src/geo/point.c").references}
    assert {("point_t", 10), ("x", 12), ("sqrt", 14), ("SQUARE", 14), ("dx", 14), ("GEO_MAX_POINTS", 19),
            ("count", 19)} <= refs
    names = {name for name, _ in refs}
    assert "geo_distance" not in names and "clamp" not in names and "precision" not in names
    main_refs = {(r.name, r.line) for r in facts(repo, "src/main.c").references}
    assert {("point_t", 7), ("printf", 8), ("geo_distance", 8), ("GEO_OK", 9)} <= main_refs


def test_imports(repo: Path) -> None:
    assert facts(repo, "src/geo/point.c").imports == [
        Import("geo/point.h", (), 1), Import("util.h", (), 2), Import("<math.h>", (), 3),
    ]
    assert facts(repo, "include/geo/point.h").imports == [Import("<stddef.h>", (), 5)]


def test_resolution(repo: Path) -> None:
    ctx = RepoContext.build(FILES, read=lambda p: (repo / p).read_bytes())
    imports = {i.module: i for f in ("src/geo/point.c", "src/main.c") for i in facts(repo, f).imports}

    def resolve(path: str, module: str) -> list[str]:
        return resolve_import(path, "c", imports[module], ctx)

    # include/ under a parent (here the root) of the including file
    assert resolve("src/geo/point.c", "geo/point.h") == ["include/geo/point.h"]
    # the including file's directory
    assert resolve("src/geo/point.c", "util.h") == ["src/geo/util.h"]
    # not next to src/main.c nor under an include root: the only file of that name
    assert resolve("src/main.c", "util.h") == ["src/geo/util.h"]
    # system headers are not in the repository
    assert resolve("src/geo/point.c", "<math.h>") == []
    assert resolve("src/main.c", "<stdio.h>") == []
    # a parent directory of the including file
    assert resolve_import("src/geo/deep/x.c", "c", Import("geo/util.h", (), 1), ctx) == ["src/geo/util.h"]


def test_several_files_of_one_name(repo: Path) -> None:
    ctx = RepoContext.build([*FILES, "tests/util.h", "third_party/lz/lz.h"], read=lambda p: b"")
    util = Import("util.h", (), 3)
    # the nearest one wins; a tie is not guessed
    assert resolve_import("src/main.c", "c", util, ctx) == ["src/geo/util.h"]
    assert resolve_import("tests/t.c", "c", util, ctx) == ["tests/util.h"]
    assert resolve_import("tools/t.c", "c", util, ctx) == []
    # include roots (src/) and then a path that only one file ends with, from anywhere
    assert resolve_import("tools/t.c", "c", Import("geo/util.h", (), 1), ctx) == ["src/geo/util.h"]
    assert resolve_import("tools/t.c", "c", Import("lz/lz.h", (), 2), ctx) == ["third_party/lz/lz.h"]


def test_include_roots_nearest_the_including_file_first() -> None:
    paths = ["libs/zip/include/zip/zip.h", "libs/zip/src/deflate/zip.c",
             "vendor/zip/include/zip/zip.h", "vendor/zip/src/zip.c", "include/app.h", "src/app/main.c"]
    ctx = RepoContext.build(paths, read=lambda p: b"")
    zip_h = Import("zip/zip.h", (), 1)
    assert resolve_import("libs/zip/src/deflate/zip.c", "c", zip_h, ctx) == ["libs/zip/include/zip/zip.h"]
    assert resolve_import("vendor/zip/src/zip.c", "c", zip_h, ctx) == ["vendor/zip/include/zip/zip.h"]
    assert resolve_import("src/app/main.c", "c", zip_h, ctx) == []  # two equally far: not guessed
    assert resolve_import("src/app/main.c", "c", Import("app.h", (), 2), ctx) == ["include/app.h"]
