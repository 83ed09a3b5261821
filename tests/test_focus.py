"""A large definition shows the window its task points at (focus.py), through `contextpack pack`."""

from __future__ import annotations

import json

import pytest
from conftest import call_main, check_bundle, file_lines, line_of, write

from contextpack.bundle import Bundle
from contextpack.focus import window
from contextpack.lexical import terms_of

pytestmark = pytest.mark.usefixtures("isolated_index")

OPTIONS = ["hidden", "no_ignore", "case_sensitive", "ignore_case", "glob", "regex", "fixed_strings", "absolute_path",
           "list_details", "follow", "full_path", "null_separator", "max_depth", "min_depth", "exact_depth",
           "exclude", "ignore_file", "color", "threads", "size", "changed_within", "changed_before", "owner",
           "format", "exec", "exec_batch", "batch_size", "extension", "file_type", "max_results", "one",
           "quiet", "show_errors", "base_directory", "pattern", "path_separator", "search_path", "strip_cwd",
           "prune", "one_file_system", "hyperlink", "type_filter", "unrestricted", "no_global_ignore"]


def _opts_struct() -> str:
    """A clap options struct laid out as fd's `src/cli.rs` is: one definition of 40-odd documented fields."""
    fields = []
    for name in OPTIONS:
        flag = name.replace("_", "-")
        fields.append(f"""
    /// Sets the {flag} behaviour for this search. The value applies to every path given on the
    /// command line and to every entry found below it; see the manual for details.
    #[arg(
        long,
        value_name = "value",
        hide_short_help = true,
        help = "The {flag} setting",
        long_help
    )]
    pub {name}: Option<String>,
""")
    return ("use clap::Parser;\nuse std::path::PathBuf;\n\n#[derive(Parser)]\n#[command(name = \"finder\")]\n"
            "pub struct Opts {" + "".join(fields) + "}\n\nimpl Opts {\n    pub fn quiet(&self) -> bool {\n"
            "        self.quiet.is_some()\n    }\n}\n")


@pytest.fixture
def crate(tmp_path):
    root = tmp_path / "finder"
    write(root, "Cargo.toml", '[package]\nname = "finder"\nversion = "0.1.0"\nedition = "2021"\n', dedent=False)
    write(root, "src/cli.rs", _opts_struct(), dedent=False)
    write(root, "src/main.rs", "mod cli;\nmod walk;\n\nfn main() {\n    let opts = cli::Opts::parse();\n"
          "    walk::scan(&opts);\n}\n", dedent=False)
    write(root, "src/walk.rs", "use crate::cli::Opts;\n\npub fn scan(opts: &Opts) {\n"
          "    if opts.quiet() {\n        return;\n    }\n}\n", dedent=False)
    return root


def test_the_field_a_task_names_is_shown_from_a_struct_too_large_for_the_budget(crate, tmp_path, monkeypatch, capsys):
    task = "Add the short option -C to the option base-directory."
    out = call_main(monkeypatch, capsys, ["pack", "--repo", crate, "--budget", "1500", "--task", task])
    assert out.returncode == 0, out.stderr
    bundle = Bundle.model_validate(json.loads(out.stdout))
    check_bundle(bundle, crate)
    item = next(i for i in bundle.items if i.path == "src/cli.rs")
    cli = crate / "src/cli.rs"
    field, attr = line_of(cli, "pub base_directory"), line_of(cli, 'help = "The base-directory setting"')
    shown = {n for a, b in item.ranges for n in range(a, b + 1)}
    assert {field, attr} <= shown  # the option's attribute block, where `short = 'C'` goes
    assert line_of(cli, "pub struct Opts") in shown  # under its definition's signature
    assert item.kind == "snippet" and len(shown) < len(file_lines(cli)) // 4  # not the whole struct


def test_window_weighs_rare_terms_and_the_line_that_holds_them_together():
    lines = ["struct Opts {"] + [f"    /// {w} option" for w in ("long", "long", "short", "long")] + [
        "    /// base path of the search directory", "    pub base_directory: Option<PathBuf>,", "}"]
    got = window(lines, [(1, len(lines))], {"option", "base", "directory", "short"},
                 lambda n: frozenset(terms_of(lines[n - 1])), radius=1)
    assert got == (6, 8)  # centred on the field's line: `base` and `directory` on one line, `option` everywhere


def test_window_stays_inside_the_ranges_and_is_none_without_a_task_term():
    lines = [f"line {n} alpha" if n == 5 else f"line {n}" for n in range(1, 11)]
    of = lambda n: frozenset(terms_of(lines[n - 1]))  # noqa: E731
    assert window(lines, [(1, 3), (5, 7)], {"alpha"}, of, radius=4) == (5, 7)
    assert window(lines, [(1, 3), (6, 10)], {"alpha"}, of, radius=4) is None
    assert window(lines, [(1, 10)], {"beta"}, of) is None
