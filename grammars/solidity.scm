; contextpack tags query — Solidity (.sol); capture convention in python.scm.
; Definitions: contracts and libraries (class), interfaces (interface), functions (function; method inside a
;   contract), modifiers (function), events (function: emitted like calls), custom errors (type), structs
;   (struct) and their members (variable), enums (enum), state variables (variable; `constant`/`immutable`
;   ones too), file-level constants (constant), user-defined value types (type).
;   Constructors, `receive` and `fallback` have no name and are not definitions.
; Imports: @import.module is the path as written ("./IERC20.sol", "@openzeppelin/contracts/x.sol");
;   @import.name: the symbols of `import {A, B} from "…"`.

; ---- definitions
(contract_declaration name: (identifier) @name) @definition.class
(library_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(function_definition name: (identifier) @name) @definition.function
(modifier_definition name: (identifier) @name) @definition.function
(event_definition name: (identifier) @name) @definition.function
(error_declaration name: (identifier) @name) @definition.type
(struct_declaration name: (identifier) @name) @definition.struct
(struct_member name: (identifier) @name) @definition.variable
(enum_declaration name: (identifier) @name) @definition.enum
(state_variable_declaration name: (identifier) @name) @definition.variable
(constant_variable_declaration name: (identifier) @name) @definition.constant
(user_defined_type_definition name: (identifier) @name) @definition.type

; ---- imports
(import_directive source: (string) @import.module) @import
(import_directive import_name: (identifier) @import.name) @import

; ---- references
(identifier) @reference
