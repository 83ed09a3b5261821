"""Evidence that runs: the runner of a test file detected from the repository's manifests, the test cases
a file defines (from real tree-sitter definitions), and the exact command per ecosystem."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from contextpack.evidence import Runner, TestCase, command, detect_runner
from contextpack.evidence import test_cases as find_cases
from contextpack.languages import language_for
from contextpack.parse import parse_source


def cases_of(root: Path, rel: str) -> list[TestCase]:
    data = (root / rel).read_bytes()
    lang = language_for(rel)
    return find_cases(rel, lang, parse_source(rel, lang, data).definitions, data.decode())


@pytest.mark.parametrize(("files", "test_path", "language", "expected"), [
    ({"pyproject.toml": "[tool.pytest.ini_options]\n"}, "tests/test_x.py", "python", Runner("pytest")),
    ({"sub/setup.cfg": "[tool:pytest]\n"}, "sub/tests/test_x.py", "python", Runner("pytest", "sub")),
    ({"tests/runtests.py": "", "setup.cfg": "[metadata]\n"}, "tests/queries/tests.py", "python", Runner("django")),
    ({"go.mod": "module example.com/shop\n"}, "pkg/cart/cart_test.go", "go", Runner("go")),
    ({"svc/go.mod": "module x\n"}, "svc/pkg/a_test.go", "go", Runner("go", "svc")),
    ({"Cargo.toml": "[package]\n"}, "tests/cart.rs", "rust", Runner("cargo")),
    ({"package.json": '{"devDependencies": {"vitest": "^1"}}'}, "src/a.test.ts", "typescript", Runner("vitest")),
    ({"package.json": '{"scripts": {"test": "jest --ci"}}'}, "src/a.test.js", "javascript", Runner("jest")),
    ({"web/package.json": '{"scripts": {"test": "node --test"}}'}, "web/t/a.test.js", "javascript",
     Runner("node", "web")),
    ({"pom.xml": "<project/>"}, "src/test/java/CartTest.java", "java", Runner("maven")),
    ({"build.gradle.kts": ""}, "src/test/java/CartTest.java", "java", Runner("gradle")),
    ({"Gemfile": ""}, "spec/cart_spec.rb", "ruby", Runner("rspec")),
    ({"composer.json": "{}"}, "tests/CartTest.php", "php", Runner("phpunit")),
])
def test_detect_runner(tmp_path: Path, files, test_path, language, expected) -> None:
    for rel, text in files.items():
        write(tmp_path, rel, text, dedent=False)
    write(tmp_path, test_path, "", dedent=False)
    assert detect_runner(tmp_path, test_path, language) == expected


def test_python_cases_and_pytest_ids(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_cart.py", """\
        import unittest

        def helper():
            def test_inner():
                pass

        def test_total():
            pass

        class TestCart:
            def test_add(self):
                pass

        class CartTests(unittest.TestCase):
            def test_remove(self):
                pass
        """)
    cases = cases_of(tmp_path, "tests/test_cart.py")
    assert [c.name for c in cases] == ["test_total", "TestCart::test_add", "CartTests::test_remove"]
    cmd = command(Runner("pytest"), [("tests/test_cart.py", cases[1:])])
    assert cmd.display == "python -m pytest -q tests/test_cart.py::TestCart::test_add " \
                          "tests/test_cart.py::CartTests::test_remove"
    django = command(Runner("django"), [("tests/queries/tests.py", cases[2:])])
    assert django.argv == ("python", "tests/runtests.py", "queries.tests.CartTests.test_remove")
    assert command(Runner("pytest"), [("tests/test_cart.py", [])]).argv[-1] == "tests/test_cart.py"


def test_go_cases_and_command(tmp_path: Path) -> None:
    write(tmp_path, "svc/pkg/cart/cart_test.go", """\
        package cart

        import "testing"

        func TestTotal(t *testing.T) {}
        func TestAdd(t *testing.T) {}
        func helper() {}
        """)
    cases = cases_of(tmp_path, "svc/pkg/cart/cart_test.go")
    assert [c.name for c in cases] == ["TestTotal", "TestAdd"]
    cmd = command(Runner("go", "svc"), [("svc/pkg/cart/cart_test.go", cases)])
    assert cmd.display == "cd svc && go test -run '^(TestAdd|TestTotal)$' ./pkg/cart"
    assert cmd.cwd == "svc"


def test_js_cases_and_commands(tmp_path: Path) -> None:
    write(tmp_path, "src/cart.test.ts", """\
        describe("cart", () => {
          it("adds items", () => {
            expect(1).toBe(1);
          });
          test('totals (with tax)', () => {});
        });
        """)
    cases = cases_of(tmp_path, "src/cart.test.ts")
    assert [(c.name, c.start_line, c.end_line) for c in cases] == [("adds items", 2, 4), ("totals (with tax)", 5, 7)]
    sel = [("src/cart.test.ts", cases)]
    assert command(Runner("jest"), sel).argv == ("npx", "jest", "src/cart.test.ts", "-t",
                                                 r"^(adds\ items|totals\ \(with\ tax\))$")
    assert command(Runner("vitest"), sel).argv[:4] == ("npx", "vitest", "run", "src/cart.test.ts")
    assert command(Runner("node"), sel).argv[:2] == ("node", "--test")


def test_java_rust_ruby_php_commands(tmp_path: Path) -> None:
    write(tmp_path, "src/test/java/shop/CartTest.java", """\
        package shop;

        class CartTest {
            @Test
            void addsItems() {}

            void helper() {}

            public void testTotal() {}
        }
        """)
    java = cases_of(tmp_path, "src/test/java/shop/CartTest.java")
    assert [c.name for c in java] == ["addsItems", "testTotal"]
    sel = [("src/test/java/shop/CartTest.java", java)]
    assert command(Runner("maven"), sel).display == "mvn -q test '-Dtest=CartTest#addsItems+CartTest#testTotal'"
    assert command(Runner("gradle"), sel).argv == ("gradle", "test", "--tests", "CartTest.addsItems",
                                                   "--tests", "CartTest.testTotal")
    rust = [TestCase("tests/cart.rs", "adds_items")]
    assert command(Runner("cargo"), [("tests/cart.rs", rust)]).display == "cargo test -- --exact adds_items"
    write(tmp_path, "spec/cart_spec.rb", """\
        describe Cart do
          it "adds items" do
            expect(1).to eq(1)
          end
        end
        """)
    ruby = cases_of(tmp_path, "spec/cart_spec.rb")
    assert command(Runner("rspec"), [("spec/cart_spec.rb", ruby)]).display == "bundle exec rspec spec/cart_spec.rb:2"
    php = [TestCase("tests/CartTest.php", "testTotal")]
    assert command(Runner("phpunit"), [("tests/CartTest.php", php)]).display == \
        "vendor/bin/phpunit --filter '/^(testTotal)$/' tests/CartTest.php"
