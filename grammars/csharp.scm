; contextpack tags query — C# (tree_sitter_c_sharp).
; Capture convention: see python.scm.
; Choices:
;   - the file's namespace is the @package (qualified-name prefix): a file-scoped `namespace A.B;` or the
;     first top-level block `namespace A.B { … }` (a file with two top-level blocks gets the first one's
;     prefix for both); a block nested in a namespace is a namespace definition; the same inside `#if`
;   - an `#if` group in the middle of a declaration (`class X` / `#if NET6 : IFoo #endif`) is reduced to its
;     first branch before parsing (parse._cs_first_branches)
;   - class, interface, struct, enum (members → constant); `record` / `record class` → class,
;     `record struct` → struct; delegate → type
;   - methods, constructors, destructors (`~X`), operators (`operator+`, `operator decimal`) and indexers
;     (`this`) → method; properties and events → variable; `const` fields → constant
;   - `using A.B;`, `using static A.B;`, `global using A.B;`, `using X = A.B;` → module "A.B"

(file_scoped_namespace_declaration name: (_) @package)
(compilation_unit (namespace_declaration name: (_) @package))
(compilation_unit (preproc_if (namespace_declaration name: (_) @package)))
(declaration_list (namespace_declaration name: (_) @name) @definition.namespace)
(declaration_list (preproc_if (namespace_declaration name: (_) @name) @definition.namespace))

(class_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(struct_declaration name: (identifier) @name) @definition.struct
(enum_declaration name: (identifier) @name) @definition.enum
(enum_member_declaration name: (identifier) @name) @definition.constant
(record_declaration "struct" name: (identifier) @name) @definition.struct
(record_declaration name: (identifier) @name) @definition.class
(delegate_declaration name: (identifier) @name) @definition.type

(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(property_declaration name: (identifier) @name) @definition.variable
(destructor_declaration name: (identifier) @name) @definition.method
(operator_declaration "operator" . _ @name) @definition.method
(conversion_operator_declaration "operator" . type: (_) @name) @definition.method
(indexer_declaration "this" @name) @definition.method
(event_declaration name: (identifier) @name) @definition.variable
(event_field_declaration (variable_declaration (variable_declarator name: (identifier) @name))) @definition.variable
(field_declaration
  (modifier) @_const
  (variable_declaration (variable_declarator name: (identifier) @name))
  (#eq? @_const "const")) @definition.constant

(using_directive [(identifier) (qualified_name)] @import.module .) @import

(identifier) @reference
