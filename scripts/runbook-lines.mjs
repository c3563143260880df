#!/usr/bin/env node
// Lines, shell lines and CEL lines of the shipped runbooks, then (at a git revision) and now:
//   node scripts/runbook-lines.mjs [REV] [runbook,runbook...]      (REV defaults to HEAD)
// Shell lines are the lines of `run`, `apply` and `rollback` blocks as the shell reads them (as
// test/unit/actions/no-paste.test.ts counts them); CEL lines those of `if`, `needed_if`, `expect`
// and `let` entries as written in the file.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { isMap, isScalar, isSeq, parseDocument } from 'yaml'

const SHELL = new Set(['run'])
const SHELL_LISTS = new Set(['apply', 'rollback'])
const CEL = new Set(['if', 'needed_if', 'expect'])

function count(text) {
  const doc = parseDocument(text)
  const c = { lines: text.trimEnd().split('\n').length, shell: 0, blocks: 0, longest: 0, cel: 0, uses: 0 }
  const shell = (n) => {
    if (!isScalar(n) || typeof n.value !== 'string') return
    const l = n.value.trimEnd().split('\n').length
    c.shell += l
    c.blocks++
    c.longest = Math.max(c.longest, l)
  }
  const walk = (node, inLet) => {
    if (isSeq(node)) return node.items.forEach((i) => walk(i, false))
    if (!isMap(node)) return
    for (const p of node.items) {
      const k = isScalar(p.key) ? String(p.key.value) : ''
      if (k === 'uses') c.uses++
      if (SHELL.has(k)) shell(p.value)
      else if (SHELL_LISTS.has(k) && isSeq(p.value)) p.value.items.forEach(shell)
      else if ((CEL.has(k) || inLet) && isScalar(p.value) && p.value.range)
        c.cel += text.slice(p.value.range[0], p.value.range[1]).trimEnd().split('\n').length
      walk(p.value, k === 'let')
    }
  }
  walk(doc.contents, false)
  return c
}

const rev = process.argv[2] ?? 'HEAD'
const names =
  process.argv[3]?.split(',') ??
  readdirSync('runbooks')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort()
const pct = (a, b) => `${Math.round((100 * a) / b)}%`
for (const rb of names) {
  const a = count(execFileSync('git', ['show', `${rev}:runbooks/${rb}.yaml`], { encoding: 'utf8' }))
  const b = count(readFileSync(`runbooks/${rb}.yaml`, 'utf8'))
  console.log(
    `${rb.padEnd(18)} lines ${a.lines} -> ${b.lines}; shell lines ${a.shell} (${pct(a.shell, a.lines)}) -> ${b.shell} (${pct(b.shell, b.lines)}) in ${a.blocks} -> ${b.blocks} blocks, longest ${a.longest} -> ${b.longest}; CEL lines ${a.cel} -> ${b.cel}; uses ${a.uses} -> ${b.uses}`,
  )
}
