; contextpack tags query — PHP (tree_sitter_php, language_php).
; Capture convention: see python.scm, plus @import.relative (below).
; Choices:
;   - `namespace App\Models;` is the @package (qualified-name prefix, `\` → `.`); a block
;     `namespace App\Models { … }` is a namespace definition
;   - class, interface, trait, enum (cases → constant), function → function, method → method,
;     `const X = …` (file or class level, one definition per element) and `define('X', …)` → constant
;   - `use App\Models\User;` → module "App\Models\User" (also `use function …`, `use const …`, and one
;     import per clause of `use A\B, C\D;`); `use App\Support\{Str, Arr as A};` → module "App\Support"
;     with names ("Str", "Arr")
;   - require/include(_once) of a string → module as written (@import.module); of `__DIR__ . '/x.php'`
;     → "./x.php" (@import.relative: parse.py makes it relative to the requiring file)

(namespace_definition name: (namespace_name) @package !body)
(namespace_definition name: (namespace_name) @name body: (_)) @definition.namespace

(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.trait
(enum_declaration name: (name) @name) @definition.enum
(enum_case name: (name) @name) @definition.constant
(function_definition name: (name) @name) @definition.function
(method_declaration name: (name) @name) @definition.method
(const_declaration (const_element (name) @name) @definition.constant)
(function_call_expression
  function: (name) @_define
  arguments: (arguments . (argument (string . (string_content) @name .)))
  (#eq? @_define "define")) @definition.constant

(namespace_use_declaration
  (namespace_use_clause . [(qualified_name) (name)] @import.module)) @import
(namespace_use_declaration
  (namespace_name) @import.module
  body: (namespace_use_group (namespace_use_clause . [(qualified_name) (name)] @import.name))) @import

(require_expression
  [[(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)]
   (parenthesized_expression [(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)])]) @import
(require_expression
  [(binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)])
   (parenthesized_expression (binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)]))]
  (#eq? @_dir "__DIR__")) @import
(require_once_expression
  [[(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)]
   (parenthesized_expression [(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)])]) @import
(require_once_expression
  [(binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)])
   (parenthesized_expression (binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)]))]
  (#eq? @_dir "__DIR__")) @import
(include_expression
  [[(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)]
   (parenthesized_expression [(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)])]) @import
(include_expression
  [(binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)])
   (parenthesized_expression (binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)]))]
  (#eq? @_dir "__DIR__")) @import
(include_once_expression
  [[(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)]
   (parenthesized_expression [(string . (string_content) @import.module .) (encapsed_string . (string_content) @import.module .)])]) @import
(include_once_expression
  [(binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)])
   (parenthesized_expression (binary_expression left: (name) @_dir right: [(string . (string_content) @import.relative .) (encapsed_string . (string_content) @import.relative .)]))]
  (#eq? @_dir "__DIR__")) @import

(name) @reference
