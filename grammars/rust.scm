; contextpack tags query — Rust; capture convention in python.scm.
; Definitions: struct/union (struct), enum, trait, impl (named after the implementing type, so methods
;   qualify as mod.Type.method; `impl X for &mut S` → S, `for str` → str, `for [u8]` → [u8]), fn (function;
;   method inside impl/trait; `r#match` is named `match`), trait fn signatures, associated types (type), inline
;   `mod m { … }` (module), const/static (constant), type aliases (type), macro_rules! (function),
;   enum variants (constant), struct fields (variable). Attributes (#[derive]) count in the lines;
;   the `///` comment above (or above the attributes) is the doc.
; Imports (`use`): @import.module is the path as written, @import.name the imported item:
;   `use crate::a::b::C;`           → module "crate::a::b::C", names ("C",)
;   `use a::b::C as D;`             → module "a::b::C", names ("C",)   (the original name)
;   `use crate::a::{B, c::D, self}` → module "crate::a", names ("B", "c::D", "self")  (one import per
;                                     group; a nested group `x::{…}` contributes its path "x")
;   `use super::util::*;`           → module "super::util", names ("*",)
;   `mod config;`                   → module "config", names ("mod",): the file config.rs / config/mod.rs
;   `extern crate foo;`             → module "foo", names ()

; ---- definitions
(struct_item name: (type_identifier) @name) @definition.struct
(union_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(enum_variant name: (identifier) @name) @definition.constant
(trait_item name: (type_identifier) @name) @definition.trait
(impl_item type: [
  (type_identifier) @name
  (reference_type type: [(type_identifier) (primitive_type)] @name)
  (reference_type type: (generic_type type: (type_identifier) @name))
  (primitive_type) @name
  (array_type) @name
  (generic_type type: (type_identifier) @name)
  (scoped_type_identifier name: (type_identifier) @name)
  (generic_type type: (scoped_type_identifier name: (type_identifier) @name))]) @definition.impl
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(mod_item name: (identifier) @name body: (_)) @definition.module
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(type_item name: (type_identifier) @name) @definition.type
(associated_type name: (type_identifier) @name) @definition.type
(macro_definition name: (identifier) @name) @definition.function
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.variable)

; ---- imports
(use_declaration argument: [(identifier) (crate) (self) (super) (metavariable)] @import.module) @import
(use_declaration argument: (scoped_identifier name: (identifier) @import.name) @import.module) @import
(use_declaration argument: (use_as_clause path: (identifier) @import.module)) @import
(use_declaration argument: (use_as_clause
  path: (scoped_identifier name: (identifier) @import.name) @import.module)) @import
(use_declaration argument: (use_wildcard (_) @import.module "*" @import.name)) @import
(use_declaration argument: (scoped_use_list path: (_) @import.module)) @import
(use_declaration argument: (scoped_use_list
  list: (use_list [(identifier) (self) (scoped_identifier)] @import.name))) @import
(use_declaration argument: (scoped_use_list list: (use_list (use_as_clause path: (_) @import.name)))) @import
(use_declaration argument: (scoped_use_list list: (use_list (scoped_use_list path: (_) @import.name)))) @import
(use_declaration argument: (scoped_use_list list: (use_list (use_wildcard (_) @import.name)))) @import
(mod_item "mod" @import.name name: (identifier) @import.module !body) @import
(extern_crate_declaration name: (identifier) @import.module) @import

; ---- references
(identifier) @reference
(type_identifier) @reference
(field_identifier) @reference
