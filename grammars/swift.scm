; contextpack tags query — Swift (tree_sitter_swift); capture convention in python.scm.
; Definitions: classes and actors (class), structs (struct), enums (enum), protocols (interface),
;   extensions (impl, named after the extended type, so their members qualify under it), functions
;   (function; method inside a type), initialisers (`init`), deinitialisers (`deinit`) and subscripts
;   (`subscript`) as methods, protocol requirements (method), enum cases (constant), typealiases and
;   associated types (type), top-level and member `let`/`var` (variable; a pattern binding yields its name).
; Imports: `import Foo`, `@testable import Foo`, `import struct Foo.Bar` → module "Foo" / "Foo.Bar": a module
;   (a SwiftPM target), not a file.

; ---- definitions
(class_declaration declaration_kind: "struct" name: (type_identifier) @name) @definition.struct
(class_declaration declaration_kind: "enum" name: (type_identifier) @name) @definition.enum
(class_declaration declaration_kind: "extension" name: (user_type) @name) @definition.impl
(class_declaration name: (type_identifier) @name) @definition.class
(protocol_declaration name: (type_identifier) @name) @definition.interface
(function_declaration name: (simple_identifier) @name) @definition.function
(protocol_function_declaration name: (simple_identifier) @name) @definition.method
(init_declaration "init" @name) @definition.method
(deinit_declaration "deinit" @name) @definition.method
(subscript_declaration "subscript" @name) @definition.method
(enum_entry name: (simple_identifier) @name @definition.constant)
(typealias_declaration name: (type_identifier) @name) @definition.type
(associatedtype_declaration name: (type_identifier) @name) @definition.type
(source_file (property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.variable)
(class_body (property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.variable)
(protocol_body (protocol_property_declaration name: (pattern bound_identifier: (simple_identifier) @name))
  @definition.variable)

; ---- imports
(import_declaration (identifier) @import.module) @import

; ---- references
(simple_identifier) @reference
(type_identifier) @reference
