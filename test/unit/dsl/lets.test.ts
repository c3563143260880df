/**
 * `let:`: which names an expression reads, the order lets are compiled in and the cycles that have
 * none, evaluation in the scope of each use, types carried from a let to where it is read, and a
 * runbook using lets run end to end (local commands).
 */
import { describe, expect, it } from 'vitest'
import { CheckScope, compileExpr, compileLets, compileTemplate, freeIdentifiers } from '../../../src/dsl/expr.ts'
import { letNameProblem, orderLets, type LetDef } from '../../../src/dsl/lets.ts'
import type { RunbookError } from '../../../src/errors.ts'
import { join } from 'node:path'
import { cli } from '../../helpers/cli.ts'
import { runFile } from '../../helpers/engine.ts'

const defs = (lets: Record<string, string>): LetDef[] => Object.entries(lets).map(([name, expr]) => ({ name, expr, path: ['let', name] }))
const scope = (steps: Record<string, unknown> = {}) => ({ params: { n: 3, host: 'web1' }, steps, facts: {}, result: null })

describe('freeIdentifiers', () => {
  it('lists variables with the offset of their first use, not fields, functions or macro variables', () => {
    expect(freeIdentifiers('xs.exists(x, x == y) && size(z.w) > 0 && x')).toEqual(
      new Map([
        ['xs', 0],
        ['y', 18],
        ['z', 29],
        ['x', 41],
      ]),
    )
    expect(freeIdentifiers('m.map(k, v, k + v + w)')).toEqual(
      new Map([
        ['m', 0],
        ['w', 20],
      ]),
    )
    expect(freeIdentifiers('has(params.x) ? "a" : b')).toEqual(
      new Map([
        ['params', 4],
        ['b', 22],
      ]),
    )
  })

  it('is null for text that does not parse', () => {
    expect(freeIdentifiers('a &&')).toBeNull()
  })
})

describe('orderLets', () => {
  it('puts each let after the lets it reads', () => {
    const { ordered, cycles } = orderLets(defs({ c: 'b + 1', a: 'params.n', b: 'a * 2' }))
    expect(ordered.map((d) => d.name)).toEqual(['a', 'b', 'c'])
    expect(cycles).toEqual([])
  })

  it('reports a cycle once, at the member listed first, pointing at its use of the next', () => {
    const { ordered, cycles } = orderLets(defs({ ok: 'params.n', x: 'params.n + y', y: 'z', z: 'x', uses_x: 'x' }))
    expect(ordered.map((d) => d.name)).toEqual(['ok'])
    expect(cycles).toHaveLength(1)
    expect(cycles[0]!.def.name).toBe('x')
    expect(cycles[0]!.chain).toEqual(['x', 'y', 'z', 'x'])
    expect(cycles[0]!.offset).toBe('params.n + '.length)
  })

  it('sees a let that reads itself', () => {
    expect(orderLets(defs({ me: 'me + 1' })).cycles[0]!.chain).toEqual(['me', 'me'])
  })
})

describe('letNameProblem', () => {
  it('refuses roots, CEL reserved words and type names', () => {
    for (const name of ['params', 'steps', 'result', 'facts', 'in', 'null', 'int', 'string', 'dyn'])
      expect(letNameProblem(name)).not.toBeNull()
    expect(letNameProblem('suspect')).toBeNull()
  })
})

describe('compiled lets', () => {
  it('evaluate in the scope of each use, each let of a chain once', () => {
    const lets = compileLets([
      { name: 'lines', expr: 'steps.s.result.lines' },
      { name: 'long', expr: 'lines.filter(l, size(l) >= params.n)' },
    ])
    const guard = compileExpr('size(long) > 1', lets)
    expect(guard.evaluate(scope({ s: { result: { lines: ['abc', 'de', 'fghi'] } } }))).toBe(true)
    expect(guard.evaluate(scope({ s: { result: { lines: ['abc'] } } }))).toBe(false)
    // Ints stay CEL ints through a let: arithmetic with int literals works.
    const n = compileLets([{ name: 'twice', expr: 'params.n * 2' }])
    expect(compileTemplate('${{ twice + 1 }} on ${{ params.host }}', n).render(scope(), 'shell')).toBe('7 on web1')
  })

  it('step lets see the runbook lets; a macro variable hides a let of its name', () => {
    const outer = compileLets([{ name: 'words', expr: "['a', 'b']" }])
    const inner = compileLets([{ name: 'loud', expr: "words.map(words, words + '!')" }], outer)
    expect(compileExpr('loud', inner).evaluate(scope())).toEqual(['a!', 'b!'])
    expect(compileExpr('loud', outer).evaluate).toBeDefined() // `loud` is simply unknown there: dyn null at run time
  })

  it('a let that fails names itself (RB_CEL_EVAL)', () => {
    const lets = compileLets([{ name: 'first', expr: 'int(steps.s.result.lines[0])' }])
    let err: RunbookError | undefined
    try {
      compileExpr('first > 1', lets).evaluate(scope({ s: { result: { lines: ['x'] } } }))
    } catch (e) {
      err = e as RunbookError
    }
    expect(err?.code).toBe('RB_CEL_EVAL')
    expect(err?.message).toContain("let 'first'")
    expect(err?.detail).toMatchObject({ let: 'first', expr: 'int(steps.s.result.lines[0])' })
  })
})

describe('type checking through lets', () => {
  const checks = new CheckScope({
    params: { n: 'int' },
    steps: { scan: { result: { sockets: [{ localPort: 'int', process: { name: 'string' } }] } } },
  })

  it("carries a let's type to where it is read: fields of list elements, operand types", () => {
    const base = checks.env({})
    const { problem, type } = base.infer('steps.scan.result.sockets.filter(s, s.localPort > params.n)')
    expect(problem).toBeNull()
    const env = base.withLets(new Map([['open', type]]))
    expect(env.check('size(open) > 0 && open[0].process.name == "sshd"')).toBeNull()
    const typo = env.check('open[0].localPrt == 22')
    expect(typo?.message).toMatch(/No such key: localPrt/)
    expect(typo?.known).toContain('localPort')
    expect(env.check('open[0].localPort == "22"')?.operands).toMatchObject({ left: { type: 'int' }, right: { type: 'string' } })
  })

  it('reports a name that is neither a root nor a let', () => {
    expect(
      checks
        .env({})
        .withLets(new Map([['open', 'bool']]))
        .check('opne && true')?.unknownName,
    ).toBe('opne')
  })
})

describe('a runbook with lets', () => {
  it('runs: guards, commands and outcomes read them, and the command is what the expressions inline would give', async () => {
    const { summary, asked } = await runFile('fixtures/runbooks/valid/lets.yaml', { params: {} })
    expect(summary.outcome?.id).toBe('many')
    expect(asked.map((a) => a.command)).toContain("echo bb 'bb!' 'ccc!'")
    expect(summary.outcome?.summary).toBe('2 words of 2 letters or more, first bb')
  })

  it('runbook show lists them, runbook-level first, step lets under their step', async () => {
    const r = await cli(['show', join(process.cwd(), 'fixtures/runbooks/valid/lets.yaml'), '--json'])
    expect(JSON.parse(r.stdout).lets).toEqual([
      { name: 'words', expr: 'steps.list.result.lines.filter(w, size(w) >= params.min)', step: null },
      { name: 'first_word', expr: "size(words) > 0 ? words[0] : 'none'", step: null },
      { name: 'loud', expr: "words.map(words, words + '!')", step: 'show' },
    ])
    expect((await cli(['show', join(process.cwd(), 'fixtures/runbooks/valid/lets.yaml')])).stdout).toContain(
      "  show.loud = words.map(words, words + '!')",
    )
  })

  it('takes the other branch when the let says so', async () => {
    const { summary } = await runFile('fixtures/runbooks/valid/lets.yaml', { params: { min: 3 } })
    expect(summary.outcome?.id).toBe('few')
  })
})

describe('a let read by several segments of one template', () => {
  it('is evaluated once per render', () => {
    let calls = 0
    const record = { result: { lines: ['a', 'b'] } }
    const steps = {
      get s() {
        calls++
        return record
      },
    }
    const lets = compileLets([{ name: 'first', expr: 'steps.s.result.lines[0]' }])
    expect(
      compileTemplate('${{ first }}-${{ first }}-${{ first + "!" }}', lets).render({ params: {}, steps, facts: {}, result: null }, 'text'),
    ).toBe('a-a-a!')
    expect(calls).toBe(1)
  })
})
