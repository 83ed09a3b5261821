; contextpack tags query — JavaScript (.js .mjs .cjs .jsx); capture convention in python.scm.
; Definitions: classes, functions, methods, class fields (variable); `const/let/var x = <arrow | function>`
;   anywhere (function); other top-level `const` (constant) and `let`/`var` (variable) bindings;
;   `a.b.x = function` / `this.x = () => …` at any depth (function, named x); `module.exports = function f`
;   (function, named f); `key: function` / `key: () => …` in an object literal (function, named key); a named
;   function expression passed as an argument (`app.use(function logger() {})`, function).
;   A declaration with several declarators yields a definition per declarator.
; Imports: @import.module is the source string as written ("./util", "@app/x", "react").
;   @import.name: the default binding, the namespace binding (`* as ns` → "ns"), the *original* name of
;   a named import (`{a as b}` → "a", like Python's aliased imports), the exported names of
;   `export {a} from "./x"` ("*" for `export * from`). `require("./x")` and dynamic `import("./x")` are
;   imports too (names: the bound identifier or destructured keys).

; ---- definitions
(class_declaration name: (identifier) @name) @definition.class
(class name: (identifier) @name) @definition.class
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(field_definition property: [(property_identifier) (private_property_identifier)] @name) @definition.variable

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
(shorthand_property_identifier) @reference
(member_expression property: (property_identifier) @reference)
