; contextpack tags query — TypeScript (.ts .mts .cts) and TSX (.tsx: compiled against the TSX grammar;
;   JSX element names are identifiers there, so they are references too).
; Capture convention in python.scm. Everything grammars/javascript.scm extracts, plus: interfaces (with
;   their method and property signatures), type aliases, enums, abstract classes, abstract methods,
;   `namespace N {}` (namespace), `module M {}` / `declare module "m" {}` (module), overload and
;   `declare function` signatures (function), class fields and the properties of interfaces and of
;   object type aliases (variable). Non-function `const`/`let`/`var` count at file level only.
; Imports: as in javascript.scm (@import.module = source string as written, @import.name = default and
;   namespace bindings, original names of named imports), plus `import x = require("./x")`.

; ---- definitions
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(class name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(internal_module name: [(identifier) (nested_identifier)] @name) @definition.namespace
(module name: [(identifier) (nested_identifier)] @name) @definition.module
(module name: (string (string_fragment) @name)) @definition.module

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(function_signature name: (identifier) @name) @definition.function
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(method_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(abstract_method_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(public_field_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.variable
(interface_body (property_signature name: (property_identifier) @name) @definition.variable)
(type_alias_declaration value: (object_type
  (property_signature name: (property_identifier) @name) @definition.variable))

(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(program (lexical_declaration kind: "const"
  (variable_declarator name: (identifier) @name) @definition.constant))
(program (export_statement declaration: (lexical_declaration kind: "const"
  (variable_declarator name: (identifier) @name) @definition.constant)))
(program (lexical_declaration kind: "let"
  (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement declaration: (lexical_declaration kind: "let"
  (variable_declarator name: (identifier) @name) @definition.variable)))
(program (variable_declaration
  (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement declaration: (variable_declaration
  (variable_declarator name: (identifier) @name) @definition.variable)))

(expression_statement (assignment_expression
  left: (member_expression object: (identifier) @_module property: (property_identifier) @_exports)
  right: (function_expression name: (identifier) @name)) @definition.function
  (#eq? @_module "module") (#eq? @_exports "exports"))
(expression_statement (assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(arrow_function) (function_expression)]) @definition.function)
(pair key: [(property_identifier) (string)] @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.function
(arguments (function_expression name: (identifier) @name) @definition.function)
(return_statement (function_expression name: (identifier) @name) @definition.function)

; ---- imports
(import_statement source: (string) @import.module) @import
(import_statement (import_clause (identifier) @import.name)) @import
(import_statement (import_clause (namespace_import (identifier) @import.name))) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name)))) @import
(import_statement (import_require_clause (identifier) @import.name source: (string) @import.module)) @import

(export_statement source: (string) @import.module) @import
(export_statement (export_clause (export_specifier name: (_) @import.name)) source: (_)) @import
(export_statement "*" @import.name source: (_)) @import

((call_expression
   function: [(identifier) (import)] @_fn
   arguments: (arguments . (string) @import.module)) @import
 (#any-of? @_fn "require" "import"))
((variable_declarator
   name: (identifier) @import.name
   value: (call_expression function: (identifier) @_fn arguments: (arguments . (string))) @import)
 (#eq? @_fn "require"))
((variable_declarator
   name: (object_pattern [
     (shorthand_property_identifier_pattern) @import.name
     (pair_pattern key: (property_identifier) @import.name)])
   value: (call_expression function: (identifier) @_fn arguments: (arguments . (string))) @import)
 (#eq? @_fn "require"))

; ---- references
(identifier) @reference
(type_identifier) @reference
(shorthand_property_identifier) @reference
(member_expression property: (property_identifier) @reference)
