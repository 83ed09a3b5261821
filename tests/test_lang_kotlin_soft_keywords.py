"""Kotlin definitions benchmarks/definition_recall.py found missing on square/okhttp: the grammar's newline
scanner reads a word by its letters only, so a statement that starts with `in1`, `as_x` or `else_` (a keyword
and then a digit or `_`) continues the line before it, and `set = …` after a local `val` starts a property
setter. Either way the parse fails and every definition after it in the file is lost (okhttp's CacheTest,
URLConnectionTest and http2/Settings: 359 definitions)."""

from __future__ import annotations

import pytest
from indexed import cli_index, write_files

from contextpack.store import Store

PKG = "src/main/kotlin/okhttp3"
FILES = {
    # URLConnectionTest.kt: a statement that starts with `in1` (the scanner reads `in`), then a string template
    # further down: the parse gives up and the rest of the class is lost
    f"{PKG}/StreamTest.kt": """package okhttp3

class StreamTest {
  fun discardsTheRest() {
    val in1 = response1.body.byteStream()
    assertThat(read(in1, 5)).isEqualTo("ABCDE")
    in1.close()
    call1.cancel()
    val call2 = client.newCall(request("/b"))
    assertThat(server.takeRequest().index).isEqualTo(1)
  }

  fun authenticatesThreeTimes() {
    val challenge =
      Response(
        code = 401,
      )
    server.enqueue(challenge)
    server.enqueue(challenge)
    client =
      client
        .newBuilder()
        .authenticator(Recording())
        .build()
    for (i in 0..2) {
      assertThat(request.headers["Authorization"]).isEqualTo(
        "Basic ${Recording.CREDENTIALS}",
      )
    }
  }

  fun afterTheError() {
    server.shutdown()
  }

  fun arguments() = listOf(
    in1,
    as_x,
  )
}
""",
    # http2/Settings.kt: a property named `set`, assigned after a local `val`
    f"{PKG}/Settings.kt": """package okhttp3

class Settings {
  private var set: Int = 0
  private val values = IntArray(COUNT)

  operator fun set(
    id: Int,
    value: Int,
  ): Settings {
    val bit = 1 shl id
    set = set or bit
    values[id] = value
    return this
  }

  fun isSet(id: Int): Boolean {
    val bit = 1 shl id
    return set and bit != 0
  }

  var writeBytesTotal = 0L
    private set

  val headerTableSize: Int
    get() = values[0]

  companion object {
    const val COUNT = 10
  }
}
""",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    tmp = tmp_path_factory.mktemp("kotlin-soft-keywords")
    return cli_index(write_files(tmp / "repo", FILES), tmp / "index.sqlite")


def test_a_statement_starting_with_in1_does_not_swallow_the_file(store: Store) -> None:
    defs = [(d.name, d.kind, d.start_line, d.end_line) for d in store.definitions(f"{PKG}/StreamTest.kt")]
    assert defs == [
        ("StreamTest", "class", 3, 40),
        ("discardsTheRest", "method", 4, 11),
        ("authenticatesThreeTimes", "method", 13, 30),
        ("afterTheError", "method", 32, 34),
        ("arguments", "method", 36, 39),  # `in1,` inside an argument list is left as it is
    ]
    refs = {(r.name, r.line) for r in store.references(f"{PKG}/StreamTest.kt")}
    assert {("in1", 6), ("in1", 7), ("close", 7), ("call1", 8), ("in1", 37), ("as_x", 38)} <= refs
    assert not [d for d in store.diagnostics() if d[0].endswith("StreamTest.kt")]


def test_an_assignment_to_set_after_a_local_val_is_not_a_setter(store: Store) -> None:
    defs = [(d.name, d.kind, d.start_line) for d in store.definitions(f"{PKG}/Settings.kt")]
    assert defs == [
        ("Settings", "class", 3),
        ("set", "variable", 4),
        ("values", "variable", 5),
        ("set", "method", 7),
        ("isSet", "method", 17),
        ("writeBytesTotal", "variable", 22),  # a real setter (`private set`) and getter stay accessors
        ("headerTableSize", "variable", 25),
        ("COUNT", "constant", 29),
    ]
    assert not [d for d in store.diagnostics() if d[0].endswith("Settings.kt")]
