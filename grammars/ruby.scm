; contextpack tags query — Ruby (tree_sitter_ruby).
; Capture convention: see python.scm, plus @import.relative (below).
; Choices:
;   - module → module, class → class (`class A::B` is named `B` with @scope `A`: qualname ….A.B);
;     `def x` → function (parse.py makes it a method inside a class), `def self.x` → method;
;     `CONST = …` → constant; `attr_reader :a, :b` (and writer/accessor) → one function per symbol, named
;     `a`; `alias b a` / `alias_method :b, :a` → function named `b` (parse.py drops the symbol's colon)
;   - `require "a/b"` → module "a/b" (@import.module: searched on the load path: lib/, the repo root, …);
;     `require_relative "a/b"` → module "./a/b" (@import.relative: parse.py prefixes "./" unless the path
;     already starts with "./" or "../", so the resolver knows it is relative to the requiring file)

(module name: (constant) @name) @definition.module
(module name: (scope_resolution scope: (_) @scope name: (_) @name)) @definition.module
(module name: (scope_resolution !scope name: (_) @name)) @definition.module
(class name: (constant) @name) @definition.class
(class name: (scope_resolution scope: (_) @scope name: (_) @name)) @definition.class
(class name: (scope_resolution !scope name: (_) @name)) @definition.class
(method name: (_) @name) @definition.function
(singleton_method name: (_) @name) @definition.method
(assignment left: (constant) @name) @definition.constant
(call
  method: (identifier) @_attr
  arguments: (argument_list (simple_symbol) @name @definition.function)
  (#any-of? @_attr "attr_reader" "attr_writer" "attr_accessor"))
(alias name: (_) @name) @definition.function
(call
  method: (identifier) @_alias
  arguments: (argument_list . (simple_symbol) @name)
  (#eq? @_alias "alias_method")) @definition.function

(call
  method: (identifier) @_require
  arguments: (argument_list . (string . (string_content) @import.module .))
  (#eq? @_require "require")) @import
(call
  method: (identifier) @_require
  arguments: (argument_list . (string . (string_content) @import.relative .))
  (#eq? @_require "require_relative")) @import

(identifier) @reference
(constant) @reference
