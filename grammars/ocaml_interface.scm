; contextpack tags query — OCaml interfaces (.mli); capture convention in python.scm. As ocaml.scm, less the
; top-level `let` bindings an interface cannot hold: `val` specifications (function), types, exceptions,
; modules, module types, classes; imports are the module paths it names.

; ---- definitions
(structure (value_definition (let_binding pattern: (value_name) @name (parameter)) @definition.function))
(structure (value_definition (let_binding pattern: (value_name) @name body: [(function_expression) (fun_expression)]) @definition.function))
(structure (value_definition (let_binding pattern: (value_name) @name) @definition.variable))
(external (value_name) @name) @definition.function
(value_specification (value_name) @name) @definition.function
(value_specification (parenthesized_operator (_) @name)) @definition.function
(external (parenthesized_operator (_) @name)) @definition.function
(type_binding name: (type_constructor) @name) @definition.type
(exception_definition (constructor_declaration (constructor_name) @name)) @definition.type
(module_binding (module_name) @name) @definition.module
(module_type_definition (module_type_name) @name) @definition.interface
(class_binding (class_name) @name) @definition.class
(method_definition (method_name) @name) @definition.method

; ---- imports
(open_module module: (_) @import.module) @import
(include_module module: (module_path) @import.module) @import
(module_binding body: (module_path) @import.module) @import
(module_application functor: (module_path) @import.module) @import
(value_path (module_path) @import.module) @import
(type_constructor_path (extended_module_path) @import.module) @import

; ---- references
(value_name) @reference
(type_constructor) @reference
(module_name) @reference
(constructor_name) @reference
