/**
 * Injection fuzz, bounded: hostile values for every param type go through the real path (type check,
 * then a `${{ }}` template rendered with the engine's quoting, then /bin/sh, also re-quoted as for
 * `sudo sh -c`). A value is either refused by its type, or it reaches the program as one literal
 * word. The marker file that every payload tries to create must never appear.
 *
 * The quoting contexts that would cancel the engine's quoting (author quotes, backticks, heredocs,
 * comments, a backslash) are each shown to run the payload when rendered, and each is refused by
 * validation, so such a template never runs.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileTemplate } from '../../../src/dsl/expr.ts'
import { checkParam } from '../../../src/dsl/params.ts'
import type { Param } from '../../../src/dsl/runbook.generated.ts'
import { validateSource } from '../../../src/dsl/validate.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'
import { quote } from '../../../src/shared/quote.ts'
import { rng } from '../../helpers/rng.ts'

const dir = mkdtempSync(join(tmpdir(), 'rb-fuzz-'))
const MARKER = join(dir, 'PWNED')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const PAYLOADS = [
  `;touch ${MARKER}`,
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `'; touch ${MARKER}; '`,
  `"; touch ${MARKER}; "`,
  `|touch ${MARKER}`,
  `&&touch ${MARKER}`,
  `\ntouch ${MARKER}`,
  `' $(touch ${MARKER}) '`,
  `\\'; touch ${MARKER} #`,
  `-oProxyCommand=touch ${MARKER}`,
  `--output=${MARKER}`,
  `>${MARKER}`,
  `$'\\x27'; touch ${MARKER}`,
  `\${IFS}touch\${IFS}${MARKER}`,
  `x;touch M1;$(touch ${MARKER})`,
  `"$(touch ${MARKER})"`,
  `*`,
  `~root`,
  `{a,b}`,
  `\u00a0;touch ${MARKER}`,
]
/** Fragments that pass one type or another, so hostile tails ride on plausible heads. */
const HEADS = [
  '',
  '1.2.3.4',
  '2001:db8::1',
  '198.18.0.0/15',
  'web1',
  'root@web1:22',
  '22',
  'nginx.service',
  'deploy',
  '/var/log',
  '3s',
  '10',
  'true',
  'a',
]
const ALPHABET = `abc019 ._-/:@=+,%'"\`$(){}[]<>|&;*?!~#\\\t\u00e9\u4e16`

const TYPES: Param[] = [
  { type: 'ip' },
  { type: 'cidr' },
  { type: 'host' },
  { type: 'port' },
  { type: 'unit' },
  { type: 'user' },
  { type: 'path' },
  { type: 'duration' },
  { type: 'int' },
  { type: 'int', min: -100 },
  { type: 'bool' },
  { type: 'enum', values: ['a', 'b c'] },
  { type: 'string' },
  { type: 'string', pattern: '.*' },
  { type: 'string', allow_leading_dash: true },
]

function hostileValues(count: number, next: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
  const out: string[] = [...PAYLOADS, ...HEADS.flatMap((h) => PAYLOADS.map((p) => h + p))]
  while (out.length < count) {
    let s = pick(HEADS)
    const n = Math.floor(next() * 12)
    for (let i = 0; i < n; i++) s += next() < 0.3 ? pick(PAYLOADS) : pick([...ALPHABET])
    out.push(s)
  }
  return out
}

/** Plain word positions: where validation lets a `${{ }}` stand. */
const PLAIN = [
  "printf '%s\\n' ${{ params.v }}",
  'x=${{ params.v }}; printf \'%s\\n\' "$x"',
  "printf '%s\\n' \"$(printf '%s' ${{ params.v }})\"",
  "printf '%s\\n' pre-${{ params.v }}-post",
]

/** dash (Debian's /bin/sh) and bash (the usual login shell that runs a command sent over SSH). */
const SHELLS = ['/bin/sh', 'bash'] as const

function sh(script: string, shell: (typeof SHELLS)[number] = '/bin/sh'): { status: number | null; stdout: string; stderr: string } {
  const file = join(dir, 'script.sh')
  writeFileSync(file, script)
  const r = spawnSync(shell, [file], { cwd: dir, encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('injection fuzz (bounded)', () => {
  const seed = Number(process.env.FUZZ_SEED ?? 20261127)
  const values = hostileValues(600, rng(seed))

  it.each(TYPES.map((t) => [JSON.stringify(t), t] as const))(
    '%s: each hostile value is refused, or reaches the program as one literal word',
    (_name, decl) => {
      const accepted = values.filter((v) => checkParam(decl, v).ok).map((v) => String(checkParam(decl, v).value))
      const lines: string[] = []
      const expected: string[] = []
      for (const v of accepted) {
        for (const [i, t] of PLAIN.entries()) {
          const rendered = compileTemplate(t).render({ params: { v }, steps: {}, facts: {} }, 'shell')
          lines.push(rendered)
          // The same line re-quoted for `sudo sh -c`, as the executors send it.
          lines.push(`sh -c ${quote(rendered)}`)
          const word = i === 3 ? `pre-${v}-post` : v
          expected.push(word, word)
        }
      }
      for (const shell of SHELLS) {
        const r = sh(lines.join('\n') + '\n', shell)
        expect(existsSync(MARKER), `marker created by ${decl.type} under ${shell}`).toBe(false)
        expect(r.status, r.stderr).toBe(0)
        expect(r.stdout).toBe(expected.map((w) => `${w}\n`).join(''))
      }
      // Nothing in the payload list passes a strict type (path and string take free text).
      if (!['string', 'enum', 'path'].includes(decl.type)) expect(accepted.filter((v) => PAYLOADS.some((p) => v.includes(p)))).toEqual([])
    },
  )

  // Each context with a value that breaks out of it there.
  const CONTEXTS: Array<[string, string, string]> = [
    ['single quotes', "echo '${{ params.s }}'", `x;touch ${MARKER}.demo;#`],
    ['double quotes', 'echo "${{ params.s }}"', `$(touch ${MARKER}.demo)`],
    ['backticks', 'echo `echo ${{ params.s }}`', `\`;touch ${MARKER}.demo;\``],
    ["$'...' quotes", "echo $'${{ params.s }}'", `x;touch ${MARKER}.demo;#`],
    ['a heredoc', 'cat <<EOF\n${{ params.s }}\nEOF', `$(touch ${MARKER}.demo)`],
    ['a comment', 'true # ${{ params.s }}', `x\ntouch ${MARKER}.demo #`],
    ['a backslash escape', 'echo \\${{ params.s }}', `x;touch ${MARKER}.demo;#`],
  ]

  it.each(CONTEXTS)('inside %s: the rendered command would run the payload, and validation refuses it', (context, run, payload) => {
    rmSync(`${MARKER}.demo`, { force: true })
    sh(compileTemplate(run).render({ params: { s: payload }, steps: {}, facts: {} }, 'shell') + '\n', 'bash')
    expect(existsSync(`${MARKER}.demo`), `the ${context} payload did not run: the demonstration is broken`).toBe(true)
    rmSync(`${MARKER}.demo`, { force: true })
    // As a block scalar, so the expected line is the one holding the ${{.
    const runLines = run.split('\n')

    const text = [
      'apiVersion: runbook/v1',
      'name: quoted',
      'summary: fuzz',
      'params:',
      '  s: { type: string, default: x }',
      'steps:',
      '  look:',
      '    run: |',
      ...runLines.map((l) => `      ${l}`),
      '    next: done',
      'outcomes:',
      '  done: { severity: ok, summary: done }',
      '',
    ].join('\n')
    const result = validateSource('quoted.yaml', text, createParserRegistry())
    expect(result.ok).toBe(false)
    const errors = result.ok ? [] : result.errors
    expect(errors.map((e) => [e.code, e.pos?.line])).toEqual([
      ['RB_QUOTED_INTERPOLATION', 9 + runLines.findIndex((l) => l.includes('${{'))],
    ])
    expect(errors[0]!.message).toContain(`inside ${context}`)
  })
})
