; contextpack tags query — Objective-C (.m, .mm, and .h files that declare Objective-C); capture convention
; in python.scm. Objective-C is C plus classes: the C part below repeats c.scm's definition patterns (the
; objc grammar keeps C's node names).
; Definitions: `@interface X` / `@interface X (Category)` / `@implementation X` (class), `@protocol P`
;   (interface), method declarations and definitions (method, named by the selector's first keyword:
;   `- (void)storeImage:(UIImage *)i forKey:(NSString *)k` is `storeImage`), `@property` (variable), block typedefs (type); C
;   functions, structs, enums, typedefs, macros and file-scope variables as in c.scm.
; Imports: `#import "x.h"` / `#include "x.h"` (@import.module), `#import <F/x.h>` (@import.system);
;   `@import Module;` names a framework module, never a repository file, and is not captured.

; ---- Objective-C definitions
(class_interface . (identifier) @name) @definition.class
(class_implementation . (identifier) @name) @definition.class
(protocol_declaration . (identifier) @name) @definition.interface
(method_declaration (identifier) @name) @definition.method
(method_definition (identifier) @name) @definition.method
(property_declaration (struct_declaration (struct_declarator [
  (identifier) @name
  (pointer_declarator declarator: (identifier) @name)
  (block_pointer_declarator declarator: (identifier) @name)]))) @definition.variable

(type_definition
  declarator: (function_declarator
    declarator: (parenthesized_declarator (block_pointer_declarator declarator: (type_identifier) @name)))) @definition.type

; ---- C definitions (as in c.scm)
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

; macros
(preproc_def name: (identifier) @name value: (_)) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function

; file-scope variables, outside #if blocks only, `const` ones too (c.scm's patterns for those cost the objc
; grammar a second to compile, and every index worker compiles its query under the parse deadline)
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

; ---- imports
(preproc_include path: (string_literal) @import.module) @import
(preproc_include path: (system_lib_string) @import.system) @import

; ---- references
(identifier) @reference
(type_identifier) @reference
(field_identifier) @reference
