; contextpack tags query — added to the JavaScript/TypeScript query for the script blocks of Vue and Svelte
; components (parse.py; capture convention in python.scm). A component's top-level destructuring declares
; its state and props — Svelte 5 `let { ref = $bindable(null), class: className, ...rest } = $props()`, Vue
; `const { isOpen, close } = useNav()`, `const [a, b] = …` — one variable per local name bound (`className`,
; not the key `class`); nested patterns are not followed.

(program (lexical_declaration (variable_declarator name: (object_pattern [
  (shorthand_property_identifier_pattern) @name
  (object_assignment_pattern left: (shorthand_property_identifier_pattern) @name)
  (pair_pattern value: (identifier) @name)
  (pair_pattern value: (assignment_pattern left: (identifier) @name))
  (rest_pattern (identifier) @name)] @definition.variable))))
(program (lexical_declaration (variable_declarator name: (array_pattern [
  (identifier) @name
  (assignment_pattern left: (identifier) @name)
  (rest_pattern (identifier) @name)] @definition.variable))))
