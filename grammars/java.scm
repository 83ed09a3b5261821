; contextpack tags query — Java; capture convention in python.scm.
; @package: the package declaration ("com.example.app"), the qualified-name prefix.
; Definitions: classes and records (class), interfaces and @interface annotation types (interface), enums,
;   enum constants and `static final` fields (constant), other fields (variable; a declaration of several
;   fields yields its first), methods, constructors and annotation elements (method).
; Imports: @import.module is the imported name as written, without `static` and `.*`:
;   `import com.x.Foo;`                → module "com.x.Foo", names ("Foo",)
;   `import static com.x.Util.helper;` → module "com.x.Util.helper", names ("helper",)
;   `import com.x.*;`                  → module "com.x", names ("*",)

(package_declaration [(scoped_identifier) (identifier)] @package)

; ---- definitions
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(enum_constant name: (identifier) @name) @definition.constant
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(compact_constructor_declaration name: (identifier) @name) @definition.method
(annotation_type_element_declaration name: (identifier) @name) @definition.method
(field_declaration (modifiers "static" "final") declarator: (variable_declarator name: (identifier) @name))
  @definition.constant
(field_declaration (modifiers "final" "static") declarator: (variable_declarator name: (identifier) @name))
  @definition.constant
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.variable
(constant_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.constant

; ---- imports
(import_declaration (scoped_identifier name: (identifier) @import.name) @import.module .) @import
(import_declaration (identifier) @import.module .) @import
(import_declaration (_) @import.module . (asterisk) @import.name) @import

; ---- references
(identifier) @reference
(type_identifier) @reference
