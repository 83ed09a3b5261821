"""C++: tags query (grammars/cpp.scm) and #include resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "include/shapes/shape.hpp": """#pragma once
#include <string>

namespace shapes {

// Base of every shape.
class Shape {
public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
    std::string name() const;
};

}  // namespace shapes
""",
    "include/shapes/circle.hpp": """#pragma once
#include "shapes/shape.hpp"

namespace shapes {

constexpr double kPi = 3.14159;

/// A circle of radius r.
class Circle : public Shape {
public:
    explicit Circle(double r);
    double area() const override;
    struct Bounds {
        double w, h;
    };
    enum class Fill { None, Solid };

private:
    double r_;
};

/// Doubles a value.
template <typename T>
T twice(T value) {
    return value + value;
}

using Radius = double;

}  // namespace shapes
""",
    "src/circle.cpp": """#include "shapes/circle.hpp"
#include <cmath>

namespace shapes {

Circle::Circle(double r) : r_(r) {}

// Area of the disc.
double Circle::area() const {
    return kPi * r_ * r_;
}

namespace detail {
int instances = 0;
}

}  // namespace shapes

std::string shapes::Shape::name() const { return "shape"; }
""",
    "src/main.cpp": """#include "shapes/circle.hpp"
#include <iostream>

int main() {
    shapes::Circle c(2.0);
    std::cout << shapes::twice(c.area()) << std::endl;
    return 0;
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
    return parse_source(rel, "cpp", (repo / rel).read_bytes())


def test_definitions_of_a_header(repo: Path) -> None:
    f = facts(repo, "include/shapes/circle.hpp")
    assert f.diagnostics == []
    q = "include.shapes.circle.shapes"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("shapes", "namespace", q, 4, 30),
        ("kPi", "constant", f"{q}.kPi", 6, 6),
        ("Circle", "class", f"{q}.Circle", 9, 20),
        ("Circle", "method", f"{q}.Circle.Circle", 11, 11),
        ("area", "method", f"{q}.Circle.area", 12, 12),
        ("Bounds", "struct", f"{q}.Circle.Bounds", 13, 15),
        ("Fill", "enum", f"{q}.Circle.Fill", 16, 16),
        ("None", "constant", f"{q}.Circle.Fill.None", 16, 16),
        ("Solid", "constant", f"{q}.Circle.Fill.Solid", 16, 16),
        ("twice", "function", f"{q}.twice", 23, 26),
        ("Radius", "type", f"{q}.Radius", 28, 28),
    ]
    by_name = {d.name: d for d in reversed(f.definitions)}  # first wins: the class, not its constructor
    assert by_name["Circle"].signature == "class Circle : public Shape"
    assert by_name["Circle"].doc == "A circle of radius r."
    # the template<> line belongs to the function, and so does the comment above it
    assert by_name["twice"].signature == "T twice(T value)"
    assert by_name["twice"].doc == "Doubles a value."
    assert by_name["area"].signature == "double area() const override;"

    shape = facts(repo, "include/shapes/shape.hpp")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in shape.definitions] == [
        ("shapes", "namespace", "include.shapes.shape.shapes", 4, 14),
        ("Shape", "class", "include.shapes.shape.shapes.Shape", 7, 12),
        ("~Shape", "method", "include.shapes.shape.shapes.Shape.~Shape", 9, 9),
        ("area", "method", "include.shapes.shape.shapes.Shape.area", 10, 10),
        ("name", "method", "include.shapes.shape.shapes.Shape.name", 11, 11),
    ]
    assert shape.definitions[1].doc == "Base of every shape."


def test_out_of_class_definitions(repo: Path) -> None:
    f = facts(repo, "src/circle.cpp")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("shapes", "namespace", "src.circle.shapes", 4, 17),
        ("Circle", "method", "src.circle.shapes.Circle.Circle", 6, 6),
        ("area", "method", "src.circle.shapes.Circle.area", 9, 11),
        ("detail", "namespace", "src.circle.shapes.detail", 13, 15),
        ("instances", "variable", "src.circle.shapes.detail.instances", 14, 14),
        ("name", "method", "src.circle.Shape.name", 19, 19),
    ]
    area = f.definitions[2]
    assert area.signature == "double Circle::area() const"
    assert area.doc == "Area of the disc."
    assert area.parent == "src.circle.shapes.Circle"
    # a trailing `}  // namespace shapes` is not the doc of what follows
    assert f.definitions[5].doc == ""


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in facts(repo, "src/circle.cpp").references}
    assert {("Circle", 6), ("r_", 6), ("kPi", 10), ("r_", 10), ("shapes", 19), ("Shape", 19)} <= refs
    assert ("area", 9) not in refs and ("instances", 14) not in refs
    main = {(r.name, r.line) for r in facts(repo, "src/main.cpp").references}
    assert {("shapes", 5), ("Circle", 5), ("twice", 6), ("area", 6), ("cout", 6), ("std", 6)} <= main
    header = {r.name for r in facts(repo, "include/shapes/circle.hpp").references}
    assert "Shape" in header and "T" in header
    assert "Circle" not in header and "Radius" not in header and "twice" not in header


def test_imports(repo: Path) -> None:
    assert facts(repo, "src/circle.cpp").imports == [
        Import("shapes/circle.hpp", (), 1), Import("<cmath>", (), 2),
    ]
    assert facts(repo, "include/shapes/circle.hpp").imports == [Import("shapes/shape.hpp", (), 2)]


def test_resolution(repo: Path) -> None:
    ctx = RepoContext.build(FILES, read=lambda p: (repo / p).read_bytes())
    for path in ("src/circle.cpp", "src/main.cpp"):
        imports = facts(repo, path).imports
        assert resolve_import(path, "cpp", imports[0], ctx) == ["include/shapes/circle.hpp"]
        assert resolve_import(path, "cpp", imports[1], ctx) == []  # <cmath>, <iostream>
    # from include/shapes/: its parent include/ has shapes/shape.hpp
    inc = facts(repo, "include/shapes/circle.hpp").imports[0]
    assert resolve_import("include/shapes/circle.hpp", "cpp", inc, ctx) == ["include/shapes/shape.hpp"]
    # quotes without a directory: the only file of that name
    circle = Import("circle.hpp", (), 1)
    assert resolve_import("src/main.cpp", "cpp", circle, ctx) == ["include/shapes/circle.hpp"]
