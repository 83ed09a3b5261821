; contextpack tags query — Scala 2 and 3 (tree_sitter_scala); capture convention in python.scm.
; @package: the first package clause ("os" of `package os; package sub`), the qualified-name prefix.
; Definitions: classes and objects (class; case classes and companions too), traits (trait), Scala 3 enums
;   (enum) and their cases (constant), package objects (module), defs and abstract `def` declarations
;   (function; method inside a class, trait or enum), `type` members (type), `val`/`var` of a template or
;   the top level (variable), `given` instances with a name (variable).
; Imports: @import.clause is the whole statement; parse.py splits its text (the grammar flattens
;   `import a.b.C, d.e.F` into one list of path segments):
;   `import a.b.C` / `import a.b.C as D` → module "a.b.C", names ("C",);
;   `import a.b.{C, D => E}` → module "a.b", names ("C", "D"); `import a.b._` / `a.b.*` / `a.b.{given, *}`
;   → module "a.b", names ("*",).

(package_clause name: (package_identifier) @package)

; ---- definitions
(class_definition name: (identifier) @name) @definition.class
(object_definition name: (identifier) @name) @definition.class
(trait_definition name: (identifier) @name) @definition.trait
(enum_definition name: (identifier) @name) @definition.enum
(simple_enum_case name: (identifier) @name) @definition.constant
(full_enum_case name: (identifier) @name) @definition.constant
(package_object name: (identifier) @name) @definition.module
(function_definition name: (identifier) @name) @definition.function
(function_declaration name: (identifier) @name) @definition.function
(type_definition name: (type_identifier) @name) @definition.type
(given_definition name: (identifier) @name) @definition.variable
(template_body (val_definition pattern: (identifier) @name) @definition.variable)
(template_body (var_definition pattern: (identifier) @name) @definition.variable)
(template_body (val_declaration name: (identifier) @name) @definition.variable)
(compilation_unit (val_definition pattern: (identifier) @name) @definition.variable)

; ---- imports
(import_declaration) @import @import.clause

; ---- references
(identifier) @reference
(type_identifier) @reference
