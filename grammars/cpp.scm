; contextpack tags query — C++ (tree_sitter_cpp).
; Capture convention: see python.scm. Includes as in c.scm: "x.h" in @import.module, <x.h> in @import.system.
; Choices:
;   - namespace → namespace (`namespace a::b {}` is named `b`); class → class; struct/union → struct;
;     enum (class) → enum, enumerators → constant; typedef and `using X = …;` → type
;   - functions: definitions and prototypes (header declarations, in-class member declarations) →
;     function, which parse.py makes a method inside a class/struct; out-of-class definitions
;     `T Foo::bar(…) {…}` → method named `bar`, @scope `Foo` (qualname ….Foo.bar; of `ns::Foo::bar` only the
;     innermost scope `Foo` is kept); a namespace-qualified free function `void ns::f() {}` is a method too
;   - names: identifier, field_identifier, `~Foo`, `operator==`, behind `*`/`&` declarators
;   - `#define NAME value` → constant, `#define NAME(args)` → function
;   - namespace-scope variables → variable; `const`/`constexpr` ones and `static constexpr` members → constant
;   - template<…> wrappers widen the start line (parse.py `_outer`)

; out-of-class member definitions: Foo::bar, ns::Foo::bar
(function_definition
  declarator: [
    (function_declarator declarator: (qualified_identifier scope: [(namespace_identifier) @scope (template_type name: (type_identifier) @scope)] name: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier scope: [(namespace_identifier) @scope (template_type name: (type_identifier) @scope)] name: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)))
    (reference_declarator (function_declarator declarator: (qualified_identifier scope: [(namespace_identifier) @scope (template_type name: (type_identifier) @scope)] name: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)))]) @definition.method
(function_definition
  declarator: [
    (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: [(namespace_identifier) @scope (template_type name: (type_identifier) @scope)] name: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: [(namespace_identifier) @scope (template_type name: (type_identifier) @scope)] name: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: [(namespace_identifier) @scope (template_type name: (type_identifier) @scope)] name: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))))]) @definition.method

; functions and methods: definitions, prototypes, in-class declarations
(function_definition
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))
    (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))]) @definition.function
(declaration
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))
    (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))]) @definition.function
; `void Lock() GTEST_LOCK_EXCLUDED_(mu);`: the grammar takes the trailing macro for the declarator and puts the
; real one in an ERROR; this pattern comes first so the member keeps its own name
(field_declaration
  (ERROR (function_declarator declarator: [(identifier) (field_identifier)] @name))
  declarator: (function_declarator)) @definition.function
(field_declaration
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))
    (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))]) @definition.function

; namespaces
(namespace_definition name: (namespace_identifier) @name) @definition.namespace
(namespace_definition name: (nested_namespace_specifier (namespace_identifier) @name .)) @definition.namespace

; typedefs of anonymous aggregates take the typedef's name and the aggregate's kind
(type_definition
  type: [(struct_specifier !name body: (_)) (union_specifier !name body: (_)) (class_specifier !name body: (_))]
  declarator: (type_identifier) @name) @definition.struct
(type_definition
  type: (enum_specifier !name body: (_))
  declarator: (type_identifier) @name) @definition.enum

; classes, structs, unions, enums with a body (template specialisations `Foo<int>` too)
(class_specifier name: [(type_identifier) @name (template_type name: (type_identifier) @name)] body: (_)) @definition.class
(struct_specifier name: [(type_identifier) @name (template_type name: (type_identifier) @name)] body: (_)) @definition.struct
(union_specifier name: (type_identifier) @name body: (_)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
(enumerator name: (identifier) @name) @definition.constant

; type aliases
(type_definition declarator: (type_identifier) @name) @definition.type
(type_definition declarator: (function_declarator declarator: (type_identifier) @name)) @definition.type
(type_definition
  declarator: (pointer_declarator declarator: (type_identifier) @name)) @definition.type
(type_definition
  declarator: (function_declarator
    declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))) @definition.type
; a function-pointer type whose function returns a pointer: `typedef void* (*uv_malloc_func)(size_t);`
(type_definition
  declarator: (pointer_declarator declarator: (function_declarator
    declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name))))) @definition.type
; conversion operators: `operator fmt::string_view() const { … }` is named `operator fmt::string_view`
(function_definition declarator: (operator_cast type: (_) @name)) @definition.function
(field_declaration_list (declaration declarator: (operator_cast type: (_) @name)) @definition.function)
(alias_declaration name: (type_identifier) @name) @definition.type

; macros
(preproc_def name: (identifier) @name value: (_)) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function

; constants: namespace-scope `const`/`constexpr` and `static constexpr` members
(field_declaration
  (type_qualifier) @_const
  declarator: (field_identifier) @name
  default_value: (_)
  (#any-of? @_const "const" "constexpr")) @definition.constant
(translation_unit
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#any-of? @_const "const" "constexpr")) @definition.constant)
(declaration_list
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#any-of? @_const "const" "constexpr")) @definition.constant)
(preproc_ifdef
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#any-of? @_const "const" "constexpr")) @definition.constant)
(preproc_if
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#any-of? @_const "const" "constexpr")) @definition.constant)
(preproc_else
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#any-of? @_const "const" "constexpr")) @definition.constant)

; namespace-scope variables (header guards and #if blocks included)
(translation_unit
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(declaration_list
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(preproc_ifdef
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(preproc_if
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(preproc_else
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)

; includes: "local.hpp" and <system>
(preproc_include path: (string_literal) @import.module) @import
(preproc_include path: (system_lib_string) @import.system) @import

(identifier) @reference
(type_identifier) @reference
(field_identifier) @reference
(namespace_identifier) @reference
