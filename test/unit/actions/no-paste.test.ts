/**
 * Runbooks read as intent, actions hold the mechanism (issue 9):
 * - no shell block in a shipped runbook is longer than 8 lines;
 * - no shell block or CEL expression of 3 lines or more appears twice across runbooks/ and actions/.
 *
 * A YAML alias (`*name`) is reuse, not a paste: only blocks written out in the source count.
 * What the shipped runbooks cannot meet yet without re-recording their fixtures (the commands they
 * run would change) is listed below, by file and step. The lists may only shrink: an entry that no
 * longer fails is an error too, so whoever moves a block onto an action removes its entry.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml'

/** Shell blocks of shipped runbooks longer than 8 lines, as `file step: lines`. */
const LONG_ALLOWED: readonly string[] = []

/** Blocks of 3 lines or more written out more than once, by their first line. */
const PASTED_ALLOWED: readonly string[] = []

/**
 * Stricter than the rule: files where 3 or more consecutive lines are written out in two
 * blocks (a snippet pasted into bigger commands). These hold the walk over the processes of this
 * network namespace that finds fail2ban-server (with its -c folder) and sshguard's processes:
 * fail2ban/status and fail2ban/lift-ban's check run it once each (lift-ban's other commands take
 * the folder from the check's result), and one shell block cannot call another. sshd's reload is
 * one block now (apply and rollback share it by a YAML alias).
 */
const SNIPPETS_ALLOWED: readonly string[] = [
  'actions/fail2ban/lift-ban.yaml',
  'actions/fail2ban/status.yaml',
  'actions/sshguard/lift-block.yaml',
]

interface Block {
  where: string
  kind: 'shell' | 'cel'
  /** Whitespace-normalised, for comparing whole blocks. */
  text: string
  raw: string
  lines: number
}

const SHELL_KEYS = new Set(['run'])
const SHELL_LISTS = new Set(['apply', 'rollback'])
const CEL_KEYS = new Set(['if', 'needed_if', 'expect'])

function blocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8')
  const doc = parseDocument(text)
  const out: Block[] = []
  const add = (node: Node, path: string[], kind: Block['kind']) => {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return
    const value = node.value.trimEnd()
    // Shell blocks count the lines the shell reads; CEL the lines it spans in the file (>- folds them).
    const lines = kind === 'shell' ? value.split('\n').length : text.slice(node.range[0], node.range[1]).trimEnd().split('\n').length
    out.push({ where: `${file} ${path.join('.')}`, kind, text: value.replace(/\s+/g, ' ').trim(), raw: value, lines })
  }
  const walk = (node: unknown, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : ''
        const value = pair.value as Node
        if (SHELL_KEYS.has(key)) add(value, [...path, key], 'shell')
        else if (CEL_KEYS.has(key) || path.at(-1) === 'let') add(value, [...path, key], 'cel')
        else if (SHELL_LISTS.has(key) && isSeq(value))
          value.items.forEach((item, i) => add(item as Node, [...path, key, String(i)], 'shell'))
        walk(value, [...path, key])
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, String(i)]))
    }
  }
  walk(doc.contents, [])
  return out
}

const yamlIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f))
    .sort()

const runbookBlocks = yamlIn('runbooks').flatMap(blocks)
const all = [...runbookBlocks, ...yamlIn('actions').flatMap(blocks)]

describe('no paste', () => {
  it('no shell block in a shipped runbook is longer than 8 lines (but for the listed ones)', () => {
    const long = runbookBlocks.filter((b) => b.kind === 'shell' && b.lines > 8).map((b) => b.where)
    expect(long.filter((w) => !LONG_ALLOWED.includes(w))).toEqual([])
    // The list only shrinks: an entry that meets the rule now must go.
    expect(LONG_ALLOWED.filter((w) => !long.includes(w))).toEqual([])
  })

  it('no shell block or CEL expression of 3 lines or more appears twice across runbooks and actions', () => {
    const seen = new Map<string, string[]>()
    for (const b of all.filter((x) => x.lines >= 3)) seen.set(b.text, [...(seen.get(b.text) ?? []), b.where])
    const pasted = [...seen.values()].filter((w) => w.length > 1).map((w) => w.join(' = '))
    expect(pasted.filter((p) => !PASTED_ALLOWED.includes(p))).toEqual([])
    expect(PASTED_ALLOWED.filter((p) => !pasted.includes(p))).toEqual([])
  })

  it('no snippet of 3 lines or more is pasted into two shell blocks (but in the listed files)', () => {
    const at = new Map<string, Set<string>>()
    for (const b of all.filter((x) => x.kind === 'shell')) {
      const lines = b.raw
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ').trim())
        .filter(Boolean)
      for (let i = 0; i + 3 <= lines.length; i++) {
        const key = lines.slice(i, i + 3).join('\n')
        at.set(key, (at.get(key) ?? new Set()).add(b.where))
      }
    }
    const files = new Set([...at.values()].filter((w) => w.size > 1).flatMap((w) => [...w].map((x) => x.split(' ')[0]!)))
    expect([...files].filter((f) => !SNIPPETS_ALLOWED.includes(f))).toEqual([])
    expect(SNIPPETS_ALLOWED.filter((f) => !files.has(f))).toEqual([])
  })

  it('finds the blocks it is about (the rule does not pass by reading nothing)', () => {
    expect(runbookBlocks.filter((b) => b.kind === 'shell').length).toBeGreaterThan(30)
    expect(all.filter((b) => b.kind === 'cel' && b.lines >= 3).length).toBeGreaterThan(3)
  })
})
