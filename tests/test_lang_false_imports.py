"""No edge is better than a wrong one: imports of the platform, the standard library or a dependency do
not resolve to repository files that merely share a name, and one import names at most MAX_TARGETS files.
Checked through `contextpack index` on a polyglot repository."""

from __future__ import annotations

import time

import pytest
from indexed import cli_index, edges_from, write_files

from contextpack.resolve import MAX_TARGETS, _cmake_include_dirs

REPO = {
    # C#: a project folder named Linq (namespace Shop.Linq) must not catch `using System.Linq;`
    "Shop/Shop.csproj": '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup>'
                        "<RootNamespace>Acme.Shop</RootNamespace></PropertyGroup></Project>\n",
    "Shop/Linq/Batching.cs": "namespace Acme.Shop.Linq;\n\npublic static class Batching\n{\n}\n",
    "Shop/Program.cs": "using System;\nusing System.Linq;\nusing Acme.Shop.Linq;\nusing Acme.Shop.Orders;\n\n"
                       "namespace Acme.Shop;\n\npublic static class Program\n{\n    public static void Main() { }\n}\n",
    **{f"Shop/Orders/Order{i}.cs": f"namespace Acme.Shop.Orders;\n\npublic class Order{i} {{ }}\n" for i in range(8)},
    # C: a copy of a system header under a non-vendor folder must not catch `#include <stdint.h>`
    "deps/compat/stdint.h": "typedef int int32_t;\n",
    "include/shop/api.h": "#pragma once\n#include <stdint.h>\nint32_t shop_total(void);\n",
    "src/main.c": '#include <stdint.h>\n#include <shop/api.h>\n#include "util.h"\n\nint main(void) { return 0; }\n',
    "src/util.h": "#pragma once\nint util(void);\n",
    # ...unless the build's include path says otherwise (CMake)
    "testing/gtest/CMakeLists.txt": "add_library(gtest gtest-all.cc)\n"
                                    "target_include_directories(gtest SYSTEM PUBLIC .)\n",
    "testing/gtest/gtest/gtest.h": "#pragma once\n#define TEST(a, b) void a##b()\n",
    "tests/api_test.c": "#include <gtest/gtest.h>\n#include <stdint.h>\n\nTEST(Api, Total) {}\n",
    # Ruby: the standard library's logger is not app/services/logger.rb
    "app/services/logger.rb": "class Logger\n  def log(msg) = puts(msg)\nend\n",
    "lib/shop.rb": "require 'logger'\nrequire 'json'\nrequire 'shop/cart'\n\nmodule Shop\nend\n",
    "lib/shop/cart.rb": "module Shop\n  class Cart\n  end\nend\n",
    "spec/cart_spec.rb": "require 'spec_helper'\nrequire 'shop/cart'\n",
    "spec/spec_helper.rb": "require 'shop'\n",
    # PHP: with composer psr-4 maps, a namespace they do not map is a dependency's
    "composer.json": '{"autoload": {"psr-4": {"Shop\\\\": "src/"}}}\n',
    "src/Http/Client.php": "<?php\nnamespace Shop\\Http;\n\nclass Client {}\n",
    "src/Logger.php": "<?php\nnamespace Shop;\n\nclass Logger {}\n",
    "src/Checkout.php": "<?php\nnamespace Shop;\n\nuse Vendor\\Http\\Client;\nuse Psr\\Log\\Logger;\n"
                        "use Shop\\Http\\Client as ShopClient;\n\nclass Checkout {}\n",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("false-imports")
    return cli_index(write_files(tmp / "repo", REPO), tmp / "index.sqlite")


def test_csharp_platform_namespace_is_not_a_folder_name(store) -> None:
    edges = edges_from(store, "Shop/Program.cs")
    assert "Shop/Linq/Batching.cs" in edges  # `using Acme.Shop.Linq;` (RootNamespace + folder)
    assert [e for e in edges if e.startswith("Shop/Orders/")]  # the project's own namespace resolves
    assert len(edges) == 1 + MAX_TARGETS  # System.Linq adds nothing; Orders (8 files) is capped


def test_c_system_include_is_not_a_repository_copy(store) -> None:
    assert edges_from(store, "src/main.c") == ["include/shop/api.h", "src/util.h"]
    assert edges_from(store, "include/shop/api.h") == []


def test_c_system_include_found_on_the_cmake_include_path(store) -> None:
    assert edges_from(store, "tests/api_test.c") == ["testing/gtest/gtest/gtest.h"]


def test_ruby_standard_library_is_not_an_app_file(store) -> None:
    assert edges_from(store, "lib/shop.rb") == ["lib/shop/cart.rb"]
    assert edges_from(store, "spec/cart_spec.rb") == ["lib/shop/cart.rb", "spec/spec_helper.rb"]
    assert edges_from(store, "spec/spec_helper.rb") == ["lib/shop.rb"]


def test_php_dependency_namespace_is_not_a_same_named_file(store) -> None:
    assert edges_from(store, "src/Checkout.php") == ["src/Http/Client.php"]


def test_fan_out_is_capped_at_the_nearest_files(store) -> None:
    capped = [e for e in edges_from(store, "Shop/Program.cs") if e.startswith("Shop/Orders/")]
    assert capped == [f"Shop/Orders/Order{i}.cs" for i in range(MAX_TARGETS)]


def test_cmake_reading_is_linear_on_hostile_input() -> None:
    """45,000 unclosed `include_directories(` took 6 s with a bounded regex; each is now one bounded find."""
    started = time.monotonic()
    assert _cmake_include_dirs("include_directories(x\n" * 45_000, "") == []
    assert time.monotonic() - started < 1.0
