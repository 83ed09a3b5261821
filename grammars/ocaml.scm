; contextpack tags query — OCaml implementations (.ml); capture convention in python.scm. Interfaces (.mli)
; use ocaml_interface.scm (the interface grammar has no `let`).
; Definitions: top-level and module-level `let` bindings (function when they take parameters or are a
;   `fun`/`function`, else variable; `let rec … and …` gives one per binding; an operator `let ( >>= ) …` is named `>>=`), `external` (function), types
;   (type; each of `type a … and b`), exceptions (type), modules (module), module types (interface), classes
;   (class) and their methods (method), `val` specifications in signatures (function).
; Imports: OCaml has no import statement: a file uses another compilation unit by naming its module.
;   @import.module is the module path of `open M`, `include M`, `module X = M`, and of every qualified
;   value, type or module (`Foo.Bar.baz` → "Foo.Bar"); parse.py keeps the first of each module and drops
;   modules the file defines itself. The resolver maps the first name to the one file foo.ml (Foo), or,
;   for a dune library's wrapper name, the second name to a file of that library.

; ---- definitions
(compilation_unit (value_definition (let_binding pattern: (value_name) @name (parameter)) @definition.function))
(compilation_unit (value_definition (let_binding pattern: (parenthesized_operator (_) @name)) @definition.function))
(compilation_unit (value_definition (let_binding pattern: (value_name) @name body: [(function_expression) (fun_expression)]) @definition.function))
(compilation_unit (value_definition (let_binding pattern: (value_name) @name) @definition.variable))
(structure (value_definition (let_binding pattern: (value_name) @name (parameter)) @definition.function))
(structure (value_definition (let_binding pattern: (parenthesized_operator (_) @name)) @definition.function))
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
