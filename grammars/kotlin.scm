; contextpack tags query — Kotlin (tree_sitter_kotlin); capture convention in python.scm.
; @package: the package header ("com.example.app"), the qualified-name prefix.
; Definitions: classes, data/sealed/annotation classes and objects (class), interfaces and `fun interface`
;   (interface), enum classes (enum), enum entries and `const val` (constant), other top-level and member
;   properties and `val`/`var` constructor parameters (variable), functions (function; method inside a class), secondary constructors (method),
;   type aliases (type). An unnamed companion object is not a definition: its members belong to the class.
; Annotation lines are blanked before parsing (parse.py), so a definition starts at its keyword line.
; Imports: @import.module is the imported name as written, without `.*` and `as` alias:
;   `import a.b.Foo` → module "a.b.Foo", names ("Foo",); `import a.b.*` → module "a.b", names ("*",)

(package_header (qualified_identifier) @package)

; ---- definitions
(class_declaration "interface" name: (identifier) @name) @definition.interface
(class_declaration (modifiers (class_modifier "enum")) name: (identifier) @name) @definition.enum
(class_declaration name: (identifier) @name) @definition.class
(object_declaration name: (identifier) @name) @definition.class
(companion_object name: (identifier) @name) @definition.class
(enum_entry . (identifier) @name) @definition.constant
(function_declaration name: (identifier) @name) @definition.function
(secondary_constructor "constructor" @name) @definition.method
(type_alias type: (identifier) @name) @definition.type
(property_declaration (modifiers (property_modifier "const")) (variable_declaration (identifier) @name))
  @definition.constant
(source_file (property_declaration (variable_declaration (identifier) @name)) @definition.variable)
(class_body (property_declaration (variable_declaration (identifier) @name)) @definition.variable)
(class_parameter ["val" "var"] . (identifier) @name) @definition.variable

; ---- imports
(import (qualified_identifier (identifier) @import.name .) @import.module . (identifier)? ) @import
(import (qualified_identifier) @import.module "*" @import.name) @import

; ---- references
(identifier) @reference
