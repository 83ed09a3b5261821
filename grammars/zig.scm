; contextpack tags query — Zig (.zig); capture convention in python.scm.
; Definitions: functions (methods inside a container), `const X = struct/union/opaque {…}` (struct),
;   `enum {…}` (enum), `error{…}` (type), container fields (variable), other top-level and container-level
;   `const` (constant) and `var` (variable). `const std = @import("std")` is an import, not a definition.
; Imports: `@import("x")`: @import.module is the string as written ("std", "util.zig", "../x.zig"); the
;   resolver takes a path ending in .zig relative to the importing file, a name from build.zig's modules.

; ---- definitions
(function_declaration name: (identifier) @name) @definition.function
(variable_declaration (identifier) @name [(struct_declaration) (union_declaration) (opaque_declaration)]) @definition.struct
(variable_declaration (identifier) @name (enum_declaration)) @definition.enum
(variable_declaration (identifier) @name (error_set_declaration)) @definition.type
(container_field name: (identifier) @name) @definition.variable
((source_file (variable_declaration "const" (identifier) @name . (_) @_value) @definition.constant)
 (#not-match? @_value "^@import"))
(source_file (variable_declaration "var" (identifier) @name) @definition.variable)
((struct_declaration (variable_declaration "const" (identifier) @name . (_) @_value) @definition.constant)
 (#not-match? @_value "^@import"))
(struct_declaration (variable_declaration "var" (identifier) @name) @definition.variable)
((union_declaration (variable_declaration "const" (identifier) @name . (_) @_value) @definition.constant)
 (#not-match? @_value "^@import"))
(union_declaration (variable_declaration "var" (identifier) @name) @definition.variable)
((enum_declaration (variable_declaration "const" (identifier) @name . (_) @_value) @definition.constant)
 (#not-match? @_value "^@import"))
(enum_declaration (variable_declaration "var" (identifier) @name) @definition.variable)
((opaque_declaration (variable_declaration "const" (identifier) @name . (_) @_value) @definition.constant)
 (#not-match? @_value "^@import"))
(opaque_declaration (variable_declaration "var" (identifier) @name) @definition.variable)

; ---- imports
((builtin_function (builtin_identifier) @_fn (arguments . (string (string_content) @import.module))) @import
 (#eq? @_fn "@import"))

; ---- references
(identifier) @reference
