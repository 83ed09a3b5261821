; contextpack tags query — C (tree_sitter_c).
; Capture convention: see python.scm. @import.relative is not used: `#include "x.h"` gives the path as
; written in @import.module (the resolver tries the including file's directory first); `#include <x.h>` gives
; it in @import.system, kept with its brackets ("<x.h>": a system include, resolved only under include roots).
; Choices:
;   - function definitions and prototypes (`int f(void);`, the API of a header) are both @definition.function;
;     the name is the identifier inside the function_declarator, through `*`/`**` pointer declarators
;   - struct and union (with a body) → struct, enum (with a body) → enum, enumerators → constant
;   - typedef → type, but `typedef struct { … } name;` (anonymous body) → struct `name`;
;     `typedef struct tag { … } name;` gives type `name` with struct `tag` nested in it
;   - `#define NAME value` → constant (a guard `#define X_H` without value is not a definition),
;     `#define NAME(args) …` → function
;   - file-scope variables → variable, `const` scalars (`const int X = 1;`) → constant;
;     `int a, b;` gives only `a` (one definition per node)

; functions: definitions and prototypes, name behind up to two pointer declarators
(function_definition
  declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(function_definition
  declarator: (pointer_declarator
    declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(function_definition
  declarator: (pointer_declarator
    declarator: (pointer_declarator
      declarator: (function_declarator declarator: (identifier) @name)))) @definition.function
(declaration
  declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(declaration
  declarator: (pointer_declarator
    declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(declaration
  declarator: (pointer_declarator
    declarator: (pointer_declarator
      declarator: (function_declarator declarator: (identifier) @name)))) @definition.function

; typedefs of anonymous aggregates take the typedef's name and the aggregate's kind
(type_definition
  type: (struct_specifier !name body: (_))
  declarator: (type_identifier) @name) @definition.struct
(type_definition
  type: (union_specifier !name body: (_))
  declarator: (type_identifier) @name) @definition.struct
(type_definition
  type: (enum_specifier !name body: (_))
  declarator: (type_identifier) @name) @definition.enum

; aggregates with a body
(struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
(union_specifier name: (type_identifier) @name body: (_)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
(enumerator name: (identifier) @name) @definition.constant

; typedefs, function-pointer typedefs included
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

; macros
(preproc_def name: (identifier) @name value: (_)) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function

; file-scope variables (header guards and #if blocks included); `const int X = …;` is a constant
(translation_unit
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#eq? @_const "const")) @definition.constant)
(preproc_ifdef
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#eq? @_const "const")) @definition.constant)
(preproc_if
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#eq? @_const "const")) @definition.constant)
(preproc_else
  (declaration
    (type_qualifier) @_const
    declarator: (init_declarator declarator: (identifier) @name)
    (#eq? @_const "const")) @definition.constant)
(translation_unit
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(preproc_ifdef
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(preproc_if
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)
(preproc_else
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (array_declarator declarator: (identifier) @name)])]) @definition.variable)

; includes: "local.h" and <system.h>
(preproc_include path: (string_literal) @import.module) @import
(preproc_include path: (system_lib_string) @import.system) @import

(identifier) @reference
(type_identifier) @reference
(field_identifier) @reference
