; contextpack tags query — Dart (.dart), tree-sitter-dart-orchard grammar; capture convention in python.scm.
; Definitions: classes and extension types (class), mixins (trait), named extensions (impl), enums (enum) and
;   their values (constant), typedefs (type), top-level functions (function), methods, getters, setters,
;   operators' owners, abstract method signatures, constructors (method: `Cart.named()` is named `named`,
;   `Cart()` is named `Cart`), fields (variable; `static const`/`final` ones too) and top-level
;   `final`/`const` (constant) and `var`/typed (variable) bindings.
; Imports: `import` / `export` / `part` URIs as written ("package:shop/x.dart", "../util.dart", "dart:io");
;   @import.name: the names of a `show` combinator.

; ---- definitions
(class_definition name: (identifier) @name) @definition.class
(extension_type_declaration name: (identifier) @name) @definition.class
(mixin_declaration (identifier) @name) @definition.trait
(extension_declaration name: (identifier) @name) @definition.impl
(enum_declaration name: (identifier) @name) @definition.enum
(enum_constant name: (identifier) @name) @definition.constant
(type_alias . (type_identifier) @name) @definition.type
(function_declaration signature: (function_signature name: (identifier) @name)) @definition.function
(method_declaration signature: (method_signature [
  (function_signature name: (identifier) @name)
  (getter_signature name: (identifier) @name)
  (setter_signature name: (identifier) @name)
  (factory_constructor_signature (identifier) @name . (formal_parameter_list))
  (constructor_signature name: (identifier) @name . parameters: (_))])) @definition.method
(declaration [
  (function_signature name: (identifier) @name)
  (getter_signature name: (identifier) @name)
  (setter_signature name: (identifier) @name)
  (constructor_signature name: (identifier) @name . parameters: (_))
  (factory_constructor_signature (identifier) @name . (formal_parameter_list))
  (redirecting_factory_constructor_signature (identifier) @name . (formal_parameter_list))]) @definition.method
(declaration (initialized_identifier_list (initialized_identifier (identifier) @name) @definition.variable))
(declaration (static_final_declaration_list (static_final_declaration (identifier) @name) @definition.variable))
(declaration (identifier_list (identifier) @name @definition.variable))
(program (static_final_declaration_list (static_final_declaration (identifier) @name) @definition.constant))
(program (initialized_identifier_list (initialized_identifier (identifier) @name) @definition.variable))

; ---- imports
(import_or_export (library_import (import_specification (configurable_uri (uri (string_literal) @import.module))))) @import
(import_or_export (library_import (import_specification (combinator (identifier) @import.name)))) @import
(import_or_export (library_export (configurable_uri (uri (string_literal) @import.module)))) @import
(part_directive (uri (string_literal) @import.module)) @import

; ---- references
(identifier) @reference
(type_identifier) @reference
