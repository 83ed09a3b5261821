; contextpack tags query — Bash and POSIX sh (tree_sitter_bash); capture convention in python.scm.
; Definitions: `f() {…}`, `function f {…}`, `function f() {…}` (function).
; Imports: `source FILE` / `. FILE` → module FILE as written, quotes dropped (resolved relative to the
;   sourcing script's directory when FILE is a literal path or starts with the script's own directory:
;   `$(dirname "$0")/`, `${BASH_SOURCE%/*}/`, …).

; ---- definitions
(function_definition name: (word) @name) @definition.function

; ---- imports
(command
  name: (command_name (word) @_source)
  .
  argument: (_) @import.module
  (#any-of? @_source "source" ".")) @import

; ---- references
(command_name (word) @reference)
