; contextpack tags query — Lua (tree_sitter_lua); capture convention in python.scm.
; Definitions: `function f()` and `local function f()` (function); `function M.f()` (function named `f`
;   with @scope `M`: qualname ….M.f); `function M:f()` (method, @scope `M`); `M.f = function` and
;   `local f = function` assignments and table fields `{ f = function() … end }` (function, same naming).
; Imports: `require "a.b"` / `require("a.b")` / `require('a.b')` → module "a.b" (a/b.lua or a/b/init.lua
;   on the package path).

; ---- definitions
(function_declaration name: (identifier) @name) @definition.function
(function_declaration name: (dot_index_expression table: (_) @scope field: (identifier) @name)) @definition.function
(function_declaration name: (method_index_expression table: (_) @scope method: (identifier) @name))
  @definition.method
(assignment_statement
  (variable_list . name: (identifier) @name)
  (expression_list . value: (function_definition))) @definition.function
(assignment_statement
  (variable_list . name: (dot_index_expression table: (_) @scope field: (identifier) @name))
  (expression_list . value: (function_definition))) @definition.function
(field name: (identifier) @name value: (function_definition)) @definition.function

; ---- imports
(function_call
  name: (identifier) @_require
  arguments: [(arguments . (string content: (string_content) @import.module) .)
              (string content: (string_content) @import.module)]
  (#eq? @_require "require")) @import

; ---- references
(identifier) @reference
