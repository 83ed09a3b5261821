"""The command line (Typer + Rich): a thin adapter over `Engine`.

    contextpack index --repo .
    contextpack symbols QuerySet.bulk_create
    contextpack map --budget 2048
    contextpack stats
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .bundle import FORMATS, bundle_schema, render
from .engine import Engine
from .errors import ContextpackError, IndexStateError, RequestError
from .redact import scrub
from .store import describe_db_error
from .task import TASK_TYPES, decode_task, read_task
from .tokens import DEFAULT_ENCODING

app = typer.Typer(
    help="contextpack: the smallest set of code an agent needs for a task, under an exact token budget.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
# soft_wrap: messages and `path:line` results stay on one line when piped (rich wraps at 80 columns otherwise)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# readable=False: resolve_root checks it and says so in one line (click's check prints a usage box)
RepoOpt = Annotated[Path, typer.Option("--repo", "-r", help="Repository root.", show_default=True,
                                       readable=False)]
IndexOpt = Annotated[Path | None, typer.Option(
    "--index",  # `\[`: rich markup would swallow "[index]"
    help="Index file (default: user cache dir, or \\[index] index_path in .contextpack/config.toml).")]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="tiktoken encoding for token counts.")]


_opened: list[Engine] = []  # for main(): name the index file when SQLite finds it damaged mid-command


def _engine(repo: Path, index: Path | None) -> Engine:
    engine = Engine(repo, index_path=index)
    _opened.append(engine)
    return engine


@app.command()
def index(repo: RepoOpt = Path("."), index: IndexOpt = None,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False) -> None:
    """Index a repository (incremental: only changed files are re-parsed) and print a summary."""
    engine = _engine(repo, index)
    with Progress(TextColumn("[bold]indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=quiet or not err.is_terminal) as bar:
        task = bar.add_task("parse", total=None)
        stats = engine.index(progress=lambda done, total: bar.update(task, completed=done, total=total))
    info = engine.stats()
    table = Table(title=f"indexed {escape(info.root)}", show_header=False)
    table.add_row("files", f"{stats.scanned} ({', '.join(f'{k} {v}' for k, v in info.files_by_language.items())})")
    table.add_row("refresh", f"{stats.parsed} parsed, {stats.unchanged} unchanged, {stats.touched} touched, "
                  f"{stats.deleted} deleted")
    table.add_row("symbols", str(info.counts["definitions"]))
    table.add_row("imports", f"{info.counts['imports']} ({info.counts['resolved_imports']} resolved to repo files)")
    table.add_row("edges", f"{info.counts['resolved_imports']} imports between files, "
                  f"{info.counts['references']} references")
    table.add_row("skipped", ", ".join(f"{k} {v}" for k, v in sorted(stats.skipped.items())) or "none")
    hint = " (contextpack stats --diagnostics)" if stats.diagnostics else ""
    table.add_row("diagnostics", f"{stats.diagnostics}{hint}")
    table.add_row("seconds", f"{stats.seconds:.2f}")
    table.add_row("index file", escape(info.index_path))
    out.print(table)


@app.command()
def symbols(query: Annotated[str, typer.Argument(help="A name or (suffix of a) qualified name, e.g. Model.save.")],
            repo: RepoOpt = Path("."), index: IndexOpt = None,
            limit: Annotated[int, typer.Option(help="At most this many results.")] = 50) -> None:
    """Find definitions by name or qualified name: path:line, kind, qualified name and signature."""
    rows = _engine(repo, index).symbols(query, limit)
    if not rows:
        err.print(f"no definition named {escape(repr(query))}")
        raise typer.Exit(1)
    for d in rows:
        # escape: paths like pages/[id].tsx are not rich markup
        out.print(f"[cyan]{escape(d.path)}:{d.start_line}[/]  [dim]{d.kind}[/]  "
                  f"[bold]{escape(d.qualname)}[/]", highlight=False)
        out.print(f"    {scrub(d.signature, d.path)}", markup=False, highlight=False)


@app.command("map")
def map_(budget: Annotated[int, typer.Option("--budget", "-b", help="Token budget; the map never exceeds it.")] = 1024,
         repo: RepoOpt = Path("."), index: IndexOpt = None, encoding: EncodingOpt = DEFAULT_ENCODING) -> None:
    """Print a ranked map of the repository's signatures (PageRank order) that fits the budget exactly."""
    if budget < 0:
        raise RequestError(f"budget must be >= 0, got {budget}")
    text, used = _engine(repo, index).repo_map(budget, encoding)
    sys.stdout.write(text)
    err.print(f"[dim]{used}/{budget} tokens ({encoding})[/]")


@app.command()
def stats(repo: RepoOpt = Path("."), index: IndexOpt = None,
          diagnostics: Annotated[bool, typer.Option("--diagnostics", help="List every diagnostic.")] = False) -> None:
    """Show what the index holds: files by language, symbols, references, imports, diagnostics."""
    engine = _engine(repo, index)
    info = engine.stats()
    if info.digest is None:
        err.print(f"{escape(info.root)} is not indexed yet: run `contextpack index --repo {escape(info.root)}`")
        raise typer.Exit(1)
    table = Table(show_header=False, title=f"index of {escape(info.root)}")
    for k, v in info.counts.items():
        table.add_row(k, str(v))
    for k, v in info.files_by_language.items():
        table.add_row(f"  {k} files", str(v))
    table.add_row("digest", info.digest[:16])
    table.add_row("index file", escape(info.index_path))
    out.print(table)
    if diagnostics:
        for path, stage, message in engine.store.diagnostics():
            out.print(f"{escape(path)}: [dim]{stage}[/] {escape(message)}", highlight=False)


@app.command()
def pack(
    repo: RepoOpt = Path("."),
    task: Annotated[str | None, typer.Option("--task", "-t", help="The task text.")] = None,
    task_file: Annotated[Path | None, typer.Option("--task-file", "-f", help="Read the task from a file.")] = None,
    budget: Annotated[int, typer.Option("--budget", "-b", help="Token budget; the bundle never exceeds it.")] = 8000,
    fmt: Annotated[str, typer.Option("--format", help=f"Output format: {', '.join(FORMATS)}.")] = "json",
    task_type: Annotated[str | None, typer.Option("--type", help=f"Task type ({', '.join(TASK_TYPES)}); "
                                                  "inferred from the text when omitted.")] = None,
    encoding: EncodingOpt = DEFAULT_ENCODING,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the bundle here, not stdout.")] = None,
    index: IndexOpt = None,
) -> None:
    """Pack the context a task needs into a bundle under an exact token budget.

    The task comes from --task, --task-file or standard input. The index is refreshed first
    (incremental), so the bundle reflects the tree on disk. With --format json, stdout is exactly one
    bundle (schema: `contextpack schema`).
    """
    if fmt not in FORMATS:
        raise RequestError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
    if task is not None and task_file is not None:
        raise RequestError("give the task once: --task or --task-file, not both")
    if task_file is not None:
        try:
            with open(task_file, "rb") as fh:
                text = read_task(fh)
        except OSError as e:
            raise RequestError(f"cannot read task file {task_file}: {e.strerror or e}") from None
    elif task is not None:
        text = decode_task(task.encode("utf-8", "surrogateescape"))  # argv bytes that were not UTF-8
    elif not sys.stdin.isatty():
        text = read_task(getattr(sys.stdin, "buffer", sys.stdin))  # bytes, unless replaced by a text stream
    else:
        raise RequestError("no task: pass --task TEXT, --task-file FILE, or pipe the task on stdin")
    bundle = _engine(repo, index).pack(text, budget, encoding=encoding, task_type=task_type, refresh=True)
    rendered = render(bundle, fmt)
    if output is not None:
        try:
            output.write_text(rendered, "utf-8")
        except OSError as e:
            raise RequestError(f"cannot write {output}: {e.strerror or e}") from None
        err.print(f"[dim]wrote {escape(str(output))}: {len(bundle.items)} items, "
                  f"{bundle.budget.used}/{bundle.budget.limit} tokens ({bundle.budget.encoding})[/]")
    else:
        sys.stdout.write(rendered)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the bundle (contextpack.bundle/v1)."""
    sys.stdout.write(json.dumps(bundle_schema(), indent=2, sort_keys=True) + "\n")


def _warnings_to_stderr() -> None:
    """Warnings (such as a repository setting that was refused) as one line each on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    log = logging.getLogger("contextpack")
    log.addHandler(handler)
    log.propagate = False


def _fail(message: str, code: int) -> None:
    err.print(f"[red]error:[/] {escape(message)}", highlight=False)  # a path may hold "[/]"
    sys.exit(code)


def main() -> None:
    _warnings_to_stderr()
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # a full disk or closed pipe shows here, not as a traceback at exit
    except ContextpackError as e:
        _fail(str(e), e.exit_code)
    except sqlite3.DatabaseError as e:  # a damaged page, a lock or a full disk mid-command
        _fail(describe_db_error(_opened[-1].index_path if _opened else "file", e), IndexStateError.exit_code)
    except OSError as e:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # drop what could not be written
        _fail(f"{e.filename}: {e.strerror}" if e.filename else f"cannot write output: {e.strerror or e}", 1)


if __name__ == "__main__":
    main()
