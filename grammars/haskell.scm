; contextpack tags query — Haskell (.hs); capture convention in python.scm.
; @package: the module header name ("Data.Shop.Cart"), the qualified-name prefix.
; Definitions: top-level functions and bindings (function: a type signature and the equations after it are
;   merged into one definition by parse.py; a binding without parameters is a function too, as ctags has it),
;   data / newtype (type), type synonyms and families (type), classes (interface) and their method
;   signatures (method), record fields (variable), pattern synonyms (function), data constructors are not definitions of their own.
;   Instances are not definitions (their methods belong to the class).
; Imports: @import.module is the module name ("Data.Map"); @import.name the imported names, if listed.

(header module: (module) @package)

; ---- definitions
(declarations (signature name: (variable) @name) @definition.function)
(declarations (function name: (variable) @name) @definition.function)
(declarations (bind name: (variable) @name) @definition.function)
(declarations (data_type name: (name) @name) @definition.type)
(declarations (newtype name: (name) @name) @definition.type)
(declarations (type_synonym name: (name) @name) @definition.type)
(declarations (type_family name: (name) @name) @definition.type)
(declarations (class name: (name) @name) @definition.interface)
(class_declarations (signature name: (variable) @name) @definition.method)
(fields (field name: (field_name (variable) @name)) @definition.variable)
(newtype_constructor (record (field name: (field_name (variable) @name)) @definition.variable))
(declarations (pattern_synonym [
  (equation synonym: [(constructor) @name (apply function: (constructor) @name) (infix left_operand: (_) operator: (constructor_operator) @name)])
  (signature synonym: (constructor) @name)]) @definition.function)

; ---- imports
(import module: (module) @import.module) @import
(import module: (module) names: (import_list (import_name [(variable) (name)] @import.name))) @import

; ---- references
(variable) @reference
(name) @reference
(constructor) @reference
