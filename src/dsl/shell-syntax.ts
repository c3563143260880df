/**
 * The shell parser: the only file that imports web-tree-sitter and the bash grammar (STYLE.md
 * habit 14).
 *
 * Why tree-sitter-bash: it is maintained by the tree-sitter project and used by GitHub, Neovim and
 * Zed, so real-world bash keeps parsing; it gives a typed concrete syntax tree with byte offsets
 * (what the read-only check reasons on and reports columns from) and marks what it cannot parse
 * as ERROR nodes instead of guessing; it parses a command line in ~0.2 ms once loaded (~35 ms,
 * once per process, here at import). mvdan/sh is the stricter parser, but its JavaScript builds
 * are either an unmaintained GopherJS port (mvdan-sh) or serialise command nodes without their
 * types (sh-syntax), which is what we need most.
 */
import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'
import { Language, Parser, type Node } from 'web-tree-sitter'

/** The parts of a syntax node the read-only check uses. */
export type ShNode = Pick<
  Node,
  'type' | 'text' | 'startIndex' | 'endIndex' | 'children' | 'namedChildren' | 'isNamed' | 'isMissing' | 'hasError'
> & {
  childForFieldName(name: string): ShNode | null
  childrenForFieldName(name: string): ShNode[]
}

const require = createRequire(import.meta.url)
// Baseline (Liftoff) code only, set before the grammar is compiled: V8 otherwise recompiles the
// whole 1.3 MB grammar with TurboFan in background threads, ~2 s of CPU that every CLI process paid
// (and waited for at exit: `runbook validate` of one runbook took 2.8 s, 0.8 s with this), to speed
// up parsing a few dozen short command lines that Liftoff code parses in well under a millisecond.
// Node 20 lets a running process set it; Node 22 and later freeze V8's flags once started, so there
// only the command line counts: bin/runbook.js starts itself again with them (`node
// bin/runbook.js` on Node 24 without process.execve pays ~0.6 s more per process).
const WASM_FLAGS = '--liftoff-only --wasm-lazy-compilation'
let loading: Promise<(text: string) => ShNode> | undefined

/**
 * Load the grammar (once per process) and return the parser. Parsing a command line as bash: the
 * tree is freed on the next call, so use it before parsing again. Loaded by a function, not at
 * import: the CLI bundle is CommonJS (scripts/bundle.mjs), which has no top-level await.
 *
 * @example
 * const parseShell = await loadBash()
 * parseShell('sudo systemctl status nginx').type   // 'program'
 */
export function loadBash(): Promise<(text: string) => ShNode> {
  loading ??= (async () => {
    // bin/runbook.js makes its V8 code cache now: one made after the flags changed would not be
    // taken by the next process, which starts without them.
    const beforeV8Flags = (globalThis as Record<symbol, unknown>)[Symbol.for('runbook.beforeV8Flags')]
    if (typeof beforeV8Flags === 'function') beforeV8Flags()
    setFlagsFromString(WASM_FLAGS)
    await Parser.init()
    const bash = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'))
    const parser = new Parser()
    parser.setLanguage(bash)
    let last: { delete(): void } | undefined
    return (text: string): ShNode => {
      last?.delete()
      const tree = parser.parse(text)
      if (!tree) throw new Error('tree-sitter returned no tree')
      last = tree
      return tree.rootNode as unknown as ShNode
    }
  })()
  return loading
}
