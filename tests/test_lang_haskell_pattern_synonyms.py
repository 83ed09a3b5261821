"""Haskell pattern synonyms with two or more arguments (`pattern T_Function id a b name body = …`, as in
ShellCheck's AST.hs): each argument nests the name one `apply` deeper; benchmarks/definition_recall.py
found them missing (only those with none or one argument were definitions)."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, write_files

AST_HS = """{-# LANGUAGE PatternSynonyms #-}
module ShellCheck.AST where

pattern T_Bang id = OuterToken id Inner_T_Bang
pattern TA_Sequence id l = OuterToken id (Inner_TA_Sequence l)
pattern TA_Binary id op t1 t2 = OuterToken id (Inner_TA_Binary op t1 t2)
pattern T_Function id a b name body = OuterToken id (Inner_T_Function a b name body)
"""


def test_pattern_synonyms_with_several_arguments_are_definitions(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", {"src/ShellCheck/AST.hs": AST_HS}), tmp_path / "index.sqlite")
    defs = {(d.name, d.kind, d.start_line) for d in store.definitions("src/ShellCheck/AST.hs")}
    assert {("T_Bang", "function", 4), ("TA_Sequence", "function", 5), ("TA_Binary", "function", 6),
            ("T_Function", "function", 7)} <= defs, defs
