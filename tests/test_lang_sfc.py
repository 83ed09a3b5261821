"""Vue and Svelte single-file components through `contextpack index`: their `<script>` blocks parsed as
JavaScript/TypeScript at the component file's own line numbers (contextpack/sfc.py), top-level
destructuring (grammars/sfc.scm), imports resolved as JS/TS (tsconfig paths, SvelteKit's `$lib`)."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.sfc import script_source

VUE = {
    "package.json": '{"name": "shop-web", "type": "module"}\n',
    "tsconfig.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["src/*"]}}}\n',
    "src/components/CartView.vue": """<template>
  <div class="cart">
    <!-- <script>notCode()</script> -->
    <ItemRow v-for="item in items" :key="item.id" :item="item" />
    <p>{{ formatTotal(total) }}</p>
  </div>
</template>

<script lang="ts">
export const CART_LIMIT = 50
</script>

<script setup lang="ts" generic="T extends Record<string, unknown>">
import { computed } from 'vue'
import ItemRow from './ItemRow.vue'
import { useCart } from '@/composables/useCart'
import { formatTotal } from '../utils/money'

interface Props { owner: string }
const props = defineProps<Props>()
const { items, clear } = useCart()

const total = computed(() => items.value.reduce((s, i) => s + i.price, 0))

function checkout(): void {
  clear()
}
</script>

<style scoped>
.cart { color: red; }
</style>
""",
    "src/components/ItemRow.vue": (
        "<template><li>{{ item.name }}</li></template>\n"
        "<script setup>\n"
        "defineProps(['item'])\n"
        "</script>\n"),
    "src/composables/useCart.ts": "export function useCart() {\n  return { items: [], clear() {} }\n}\n",
    "src/utils/money.ts": (
        "export function formatTotal(cents: number): string {\n"
        "  return (cents / 100).toFixed(2)\n"
        "}\n"),
}

SVELTE = {
    "svelte.config.js": "const config = { kit: { alias: { $ui: 'src/ui' } } };\nexport default config;\n",
    "src/lib/cart.svelte.ts": "export function createCart() {\n  return { items: [] as number[] };\n}\n",
    "src/ui/Badge.svelte": "<span><slot /></span>\n",
    "src/lib/components/Cart.svelte": """<script lang="ts" module>
  export const MAX_ITEMS = 50;
</script>

<script lang="ts">
  import { createCart } from '$lib/cart.svelte.js';
  import Badge from '$ui/Badge.svelte';
  import Row from './Row.svelte';
  import { page } from '$app/state';

  let { owner, class: className = '', ...rest }: { owner: string; class?: string } = $props();
  const cart = createCart();
  let count = $derived(cart.items.length);

  function add(price: number) {
    cart.items.push(price);
  }
</script>

<div class={className}>
  {#each cart.items as price}<Row {price} />{/each}
  <Badge>{count}</Badge>
  <button onclick={() => add(1)}>add</button>
</div>
""",
    "src/lib/components/Row.svelte": "<script>\n  export let price;\n</script>\n<p>{price}</p>\n",
    "src/routes/+page.ts": (
        "import { createCart } from '$lib/cart.svelte.js';\n"
        "export const load = () => createCart();\n"),
}


def test_script_source_keeps_offsets() -> None:
    source = VUE["src/components/CartView.vue"].encode()
    code, grammar = script_source(source)
    assert grammar == "typescript" and len(code) == len(source)
    assert code.count(b"\n") == source.count(b"\n")
    assert b"notCode" not in code and b"<template>" not in code and b".cart {" not in code
    assert code.splitlines()[9] == b"export const CART_LIMIT = 50"
    assert script_source(b"<script>let a = 1</script>")[1] == "javascript"
    assert script_source(b'<script type="application/ld+json">{"a": 1}</script>')[0].strip() == b""


def test_components_without_script(tmp_path: Path) -> None:
    """A template-only component, an empty one and an unterminated script block index without error."""
    repo = write_files(tmp_path / "repo", {
        "src/Plain.vue": "<template><p>hi</p></template>\n",
        "src/Empty.svelte": "",
        "src/Broken.svelte": "<script>\n  function dangling() {}\n",  # no </script>
    })
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert store.definitions("src/Plain.vue") == [] and store.definitions("src/Empty.svelte") == []
    assert [d.name for d in store.definitions("src/Broken.svelte")] == ["dangling"]
    assert {f.path for f in store.files()} == {"src/Plain.vue", "src/Empty.svelte", "src/Broken.svelte"}


def test_vue_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", VUE)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line)
            for d in store.definitions("src/components/CartView.vue")] == [
        ("CART_LIMIT", "constant", "src.components.CartView.CART_LIMIT", 10, 10),
        ("Props", "interface", "src.components.CartView.Props", 19, 19),
        ("owner", "variable", "src.components.CartView.Props.owner", 19, 19),
        ("props", "constant", "src.components.CartView.props", 20, 20),
        ("items", "variable", "src.components.CartView.items", 21, 21),
        ("clear", "variable", "src.components.CartView.clear", 21, 21),
        ("total", "constant", "src.components.CartView.total", 23, 23),
        ("checkout", "function", "src.components.CartView.checkout", 25, 27),
    ]
    assert {f.path: f.language for f in store.files()}["src/components/CartView.vue"] == "vue"
    assert edges_from(store, "src/components/CartView.vue") == [
        "src/components/ItemRow.vue", "src/composables/useCart.ts", "src/utils/money.ts"]


def test_svelte_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", SVELTE)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert [(d.name, d.kind, d.start_line) for d in store.definitions("src/lib/components/Cart.svelte")] == [
        ("MAX_ITEMS", "constant", 2),
        ("owner", "variable", 11),  # Svelte 5 props
        ("className", "variable", 11),
        ("rest", "variable", 11),
        ("cart", "constant", 12),
        ("count", "variable", 13),
        ("add", "function", 15),
    ]
    assert [(d.name, d.kind, d.start_line) for d in store.definitions("src/lib/components/Row.svelte")] == [
        ("price", "variable", 2)]  # a Svelte 4 prop
    # $lib (SvelteKit's default) and $ui (kit.alias in svelte.config.js); $app is the framework's
    assert edges_from(store, "src/lib/components/Cart.svelte") == [
        "src/lib/cart.svelte.ts", "src/lib/components/Row.svelte", "src/ui/Badge.svelte"]
    assert edges_from(store, "src/routes/+page.ts") == ["src/lib/cart.svelte.ts"]


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", VUE)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert symbols(repo, index, "checkout") == [
        ("src/components/CartView.vue:25", "function", "src.components.CartView.checkout")]
    assert pack_paths(repo, index, "checkout in CartView does not clear the cart")[0] == "src/components/CartView.vue"
