; contextpack tags query — Go; capture convention in python.scm.
; @package: the package clause, the qualified-name prefix ("store.Store.Get").
; Methods: `func (s *Store) Get()` carries @scope on the receiver's type name, so parse.py qualifies the
;   method under its type (store.Store.Get) although Go declares it outside the struct.
; Definitions: functions, methods, struct / interface / other named types (struct, interface, type),
;   struct fields (variable), interface methods (method), top-level const (constant) and var (variable).
;   A spec declaring several names (`const a, b = 1, 2`) yields a definition for its first name only.
; Imports: one per import spec; @import.module is the import path ("example.com/app/models"); Go imports
;   a package, not names, so @import.name is empty (an alias `m "…"` is a local binding, not captured).

(package_clause (package_identifier) @package)

; ---- definitions
(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [
    (type_identifier) @scope
    (pointer_type (type_identifier) @scope)
    (generic_type type: (type_identifier) @scope)
    (pointer_type (generic_type type: (type_identifier) @scope))]))
  name: (field_identifier) @name) @definition.method

(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.variable)
(interface_type (method_elem name: (field_identifier) @name) @definition.method)

(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @name) @definition.variable)))

; ---- imports
(import_spec path: (_) @import.module) @import

; ---- references
(identifier) @reference
(type_identifier) @reference
(field_identifier) @reference
(qualified_type package: (package_identifier) @reference)
