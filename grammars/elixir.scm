; contextpack tags query — Elixir (tree_sitter_elixir); capture convention in python.scm.
; Definitions: `defmodule Foo.Bar` (module; parse.py names it "Bar", qualified under Foo), `defprotocol` (interface),
;   `defimpl P, for: T` (impl, named after the protocol), `def`/`defp`/`defmacro`/`defmacrop`/`defguard`/
;   `defguardp`/`defdelegate`/`defn` (function; one per clause, `when` guards and `do:` forms included),
;   `@type`/`@typep`/`@opaque` (type), `@callback`/`@macrocallback` (function).
; Imports: `alias`/`import`/`require`/`use` of a module → module "Foo.Bar"; `alias Foo.{A, B}` → module
;   "Foo", names ("A", "B").

; ---- definitions
(call target: (identifier) @_kw (arguments . (alias) @name) (#eq? @_kw "defmodule")) @definition.module
(call target: (identifier) @_kw (arguments . (alias) @name) (#eq? @_kw "defprotocol")) @definition.interface
(call target: (identifier) @_kw (arguments . (alias) @name) (#eq? @_kw "defimpl")) @definition.impl
(call
  target: (identifier) @_kw
  (arguments . [(identifier) @name
                (call target: (identifier) @name)
                (binary_operator left: (call target: (identifier) @name) operator: "when")
                (binary_operator left: (identifier) @name operator: "when")])
  (#any-of? @_kw "def" "defp" "defmacro" "defmacrop" "defguard" "defguardp" "defdelegate" "defn" "defnp"))
  @definition.function
(unary_operator
  operator: "@"
  operand: (call
    target: (identifier) @_attr
    (arguments . [(binary_operator left: (identifier) @name)
                  (binary_operator left: (call target: (identifier) @name))])
    (#any-of? @_attr "type" "typep" "opaque"))) @definition.type
(unary_operator
  operator: "@"
  operand: (call
    target: (identifier) @_attr
    (arguments . [(binary_operator left: (call target: (identifier) @name))
                  (call target: (identifier) @name)])
    (#any-of? @_attr "callback" "macrocallback"))) @definition.function

; ---- imports
(call target: (identifier) @_kw (arguments . (alias) @import.module)
  (#any-of? @_kw "alias" "import" "require" "use")) @import
(call target: (identifier) @_kw
  (arguments . (dot left: (alias) @import.module right: (tuple (alias) @import.name)))
  (#any-of? @_kw "alias" "import" "require" "use")) @import

; ---- references
(alias) @reference
(call target: (identifier) @reference)
