/**
 * Text → JS value, keeping where every node came from. The only file that imports `yaml`.
 */
import { createHash } from 'node:crypto'
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml'
import { INPUT_LIMITS } from '../input.ts'
import { RunbookError } from '../errors.ts'
import type { SourcePos } from '../types.ts'
import { scalarSourceOffset, type ScalarStyle } from './scalar-offset.ts'
import { codeFrame } from './source-map.ts'

export type PathSegment = string | number

/** A parsed YAML source that can say where any value came from. */
export interface SourceDoc {
  file: string
  text: string
  /** sha256 of the text, hex. */
  hash: string
  /** The plain JS value (undefined when the YAML could not be parsed at all). */
  data: unknown
  /** Syntax errors and duplicate keys, all of them. */
  errors: RunbookError[]
  /** Position of the value at `path` (or of its key, when `key` is set); the nearest existing ancestor otherwise. */
  posOf(path: readonly PathSegment[], options?: { key?: boolean }): SourcePos
  /** Position of character `offset` inside the string scalar at `path` (for CEL errors). */
  posInString(path: readonly PathSegment[], offset: number): SourcePos
  /** A located RunbookError with a code frame. */
  error(
    code: RunbookError['code'],
    path: readonly PathSegment[],
    message: string,
    options?: { key?: boolean; offset?: number },
  ): RunbookError
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export function loadSource(file: string, text: string): SourceDoc {
  const lineCounter = new LineCounter()
  // merge: YAML 1.1 merge keys (`<<: *common`), which teams keep using from Compose and CI files.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true, merge: true })

  const toPos = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset)
    return { file, line, col }
  }
  const located = (code: RunbookError['code'], pos: SourcePos, message: string) =>
    new RunbookError(code, message, { pos, frame: codeFrame(text, pos.line, pos.col) })

  const errors: RunbookError[] = doc.errors.map((e) =>
    located('RB_YAML_SYNTAX', toPos(yamlErrorOffset(text, e.message, e.pos[0])), yamlMessage(e.message)),
  )
  if (errors.length === 0) errors.push(...duplicateKeys(doc, toPos, located))

  const find = (path: readonly PathSegment[], key: boolean): Node | null => {
    let node: unknown = doc.contents
    let found: Node | null = (doc.contents as Node | null) ?? null
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]
      const last = i === path.length - 1
      if (isMap(node)) {
        const pair = keyIndex(node).get(String(seg)) ?? mergedPair(doc, node, String(seg))
        if (!pair) return found
        if (last && key) return pair.key as Node
        node = pair.value
        found = (pair.value as Node | null) ?? (pair.key as Node)
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg]
        if (node === undefined) return found
        found = node as Node
      } else {
        return found
      }
    }
    return found
  }

  const posOf = (path: readonly PathSegment[], options: { key?: boolean } = {}): SourcePos => {
    const node = find(path, options.key ?? false)
    return toPos(node?.range?.[0] ?? 0)
  }

  const posInString = (path: readonly PathSegment[], offset: number): SourcePos => {
    const node = find(path, false)
    if (!node || !isScalar(node) || !node.range) return posOf(path)
    // The value is not a slice of the source (escapes, folding, block indentation): walk the source.
    const style = (node.type ?? 'PLAIN') as ScalarStyle
    return toPos(scalarSourceOffset(text, style, node.range[0], offset))
  }

  const error: SourceDoc['error'] = (code, path, message, options = {}) => {
    const pos = options.offset === undefined ? posOf(path, options) : posInString(path, options.offset)
    return located(code, pos, message)
  }

  let data: unknown
  if (!errors.some((e) => e.code === 'RB_YAML_SYNTAX')) {
    try {
      data = doc.toJS({ maxAliasCount: INPUT_LIMITS.yamlAliases })
    } catch (err) {
      // yaml throws a ReferenceError for an alias to an anchor not (yet) defined, and for alias
      // expansion past maxAliasCount (a "billion laughs" document): point at the alias.
      if (!(err instanceof ReferenceError)) throw err
      const unresolved = /Unresolved alias.*: (.*)$/.exec(err.message)?.[1]
      const alias = findAlias(doc, unresolved)
      const pos = toPos(alias?.range?.[0] ?? 0)
      errors.push(
        unresolved !== undefined
          ? located('RB_YAML_ALIAS', pos, `alias *${unresolved} names no anchor defined before it: define &${unresolved} first`)
          : located(
              'RB_YAML_ALIAS',
              pos,
              `YAML aliases expand past the limit (${INPUT_LIMITS.yamlAliases}): a document that multiplies itself through aliases is refused`,
            ),
      )
    }
  }
  return { file, text, hash: sha256(text), data, errors, posOf, posInString, error }
}

/**
 * Key → pair of a YAML mapping, built once per mapping: every error of a large runbook looks up its
 * position, and a linear search per lookup made many errors quadratic. First key wins, as before.
 */
const keyIndexes = new WeakMap<object, Map<string, Pair>>()
function keyIndex(map: YAMLMap): Map<string, Pair> {
  let index = keyIndexes.get(map)
  if (!index) {
    index = new Map()
    for (const p of map.items) if (isScalar(p.key) && !index.has(keyName(p.key))) index.set(keyName(p.key), p)
    keyIndexes.set(map, index)
  }
  return index
}

/** A mapping key as written: a merge key's value is a symbol (`<<`). */
function keyName(key: { value: unknown }): string {
  return typeof key.value === 'symbol' ? (key.value.description ?? '') : String(key.value)
}

/**
 * The pair a merge key (`<<: *common`, or `<<: [*a, *b]`) brings into `map` for `key`, where it is
 * written: an error in a merged value points into the anchored mapping. Earlier sources win, as
 * in the merge itself; a source may merge others in turn.
 */
function mergedPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  const merge = keyIndex(map).get('<<')
  if (!merge || depth > 20) return undefined
  const sources = isSeq(merge.value) ? merge.value.items : [merge.value]
  for (const source of sources) {
    const target = isAlias(source) ? source.resolve(doc) : source
    if (!isMap(target)) continue
    const pair = keyIndex(target).get(key) ?? mergedPair(doc, target, key, depth + 1)
    if (pair) return pair
  }
  return undefined
}

/** The first alias node (named `source`, when given), in document order. */
function findAlias(doc: Document, source: string | undefined): Alias | undefined {
  let found: Alias | undefined
  visit(doc, {
    Alias(_, node) {
      if (source === undefined || node.source === source) {
        found = node
        return visit.BREAK
      }
      return undefined
    },
  })
  return found
}

/**
 * yaml's message, in words about the file: what most likely went wrong and what to write instead.
 * yaml's own words stay first where they say something, so a search for them still finds answers.
 */
function yamlMessage(message: string): string {
  // yaml's messages end with " at line L, column C" plus a frame; we print our own.
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim()
  for (const [pattern, words] of YAML_HINTS) if (pattern.test(text)) return words(text)
  return text
}

const YAML_HINTS: ReadonlyArray<[RegExp, (text: string) => string]> = [
  // yaml's own advice names its API.
  [/multiple documents/i, () => 'a second YAML document starts here (`---`): one file holds one document'],
  // `run: grep 'Status: ' x` unquoted: the ': ' starts a mapping inside the value.
  [
    /Nested mappings are not allowed in compact mappings/,
    (t) => `${t}: this value has ': ' in it, which YAML reads as one more key; quote the whole value ("..." or '...')`,
  ],
  [/block-seq-ind on same line with key/, (t) => `${t}: a value that starts with '- ' must be quoted ("- ...")`],
  [/All mapping items must start at the same column/, (t) => `${t}: this key is not lined up with the keys above it`],
  [/Implicit keys need to be on a single line/, (t) => `${t}: is the ':' after a key missing?`],
]

/**
 * Where yaml's error really is. A key out of line is reported at column 1 of its line: point at
 * the key itself.
 */
function yamlErrorOffset(text: string, message: string, offset: number): number {
  if (!/All mapping items must start at the same column/.test(message)) return offset
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1
  if (offset !== lineStart) return offset
  const indent = /^[ ]*/.exec(text.slice(lineStart))![0].length
  return lineStart + indent
}

/** Duplicate keys anywhere; in `steps`/`outcomes` they are duplicate step names. */
function duplicateKeys(
  doc: Document,
  toPos: (offset: number) => SourcePos,
  located: (code: RunbookError['code'], pos: SourcePos, message: string) => RunbookError,
): RunbookError[] {
  const errors: RunbookError[] = []
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      const seen = new Map<string, SourcePos>()
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue
        const key = keyName(pair.key)
        const pos = toPos(pair.key.range?.[0] ?? 0)
        const first = seen.get(key)
        if (first) {
          const isStep = path.length === 1 && (path[0] === 'steps' || path[0] === 'outcomes')
          errors.push(
            isStep
              ? located(
                  'RB_DUPLICATE_STEP',
                  pos,
                  `duplicate ${path[0] === 'steps' ? 'step' : 'outcome'} '${key}' (first defined at line ${first.line})`,
                )
              : located('RB_YAML_SYNTAX', pos, `duplicate key '${key}' (first defined at line ${first.line})`),
          )
        } else {
          seen.set(key, pos)
        }
        walk(pair.value, [...path, key])
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]))
    }
  }
  walk(doc.contents, [])
  return errors
}
