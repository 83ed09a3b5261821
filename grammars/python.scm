; contextpack tags query — Python.
; Capture convention (shared by every grammars/<lang>.scm):
;   @definition.<kind>  the whole definition node; kind in class function method interface struct enum
;                       trait impl type constant variable module namespace
;   @name               the defined name, inside a @definition.* match
;   @reference          an identifier use
;   @import             the whole import statement; @import.module its module path; @import.name a name
;   @package            the file's package/namespace declaration name (qualified-name prefix)
;   @scope              inside a definition: the type it belongs to when declared outside it
;                       (Go receivers, C++ `Foo::bar`); the definition is qualified under it
;   @import.relative    like @import.module, for a path relative to the importing file ("./" is added)
;   @import.system      like @import.module, kept as written with its brackets (C/C++ `#include <x.h>`)

(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

; module-level constants and variables: NAME = ...
(module (expression_statement (assignment left: (identifier) @name) @definition.variable))
; class attributes: X = ...
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.variable)))

(import_statement name: (dotted_name) @import.module) @import
(import_statement name: (aliased_import name: (dotted_name) @import.module)) @import
(import_from_statement module_name: (_) @import.module) @import
(import_from_statement name: (dotted_name) @import.name) @import
(import_from_statement name: (aliased_import name: (dotted_name) @import.name)) @import
(import_from_statement (wildcard_import) @import.name) @import

(identifier) @reference
