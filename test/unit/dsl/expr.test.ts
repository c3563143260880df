import { describe, expect, it } from 'vitest'
import { CheckScope, compileExpr, compileTemplate, evaluateGuard, nullComparisons, parseTemplate, valueTypes } from '../../../src/dsl/expr.ts'
import type { RunbookError } from '../../../src/errors.ts'

const env = new CheckScope({ params: { host: 'string', port: 'int' }, steps: { probe: { result: { open: 'bool' } } } }).env({ last: { hop: 'int' }, hops: 'list', n: 'int' })

describe('CEL checking', () => {
  it('accepts null comparisons on object-typed parser fields', () => {
    expect(env.check('result.last == null')).toBeNull()
    expect(env.check('result.last != null && result.last.hop > 2')).toBeNull()
    expect(env.check('params.host != null')).toBeNull()
  })

  it('still reports an unknown field after a null comparison, at its column in the original text', () => {
    const expr = 'result.last == null || result.nn > 1'
    const problem = env.check(expr)
    expect(problem?.message).toMatch(/No such key: nn/)
    expect(expr.slice(problem!.offset, problem!.offset + 2)).toBe('nn')
  })

  it('reports unknown params and steps', () => {
    expect(env.check('params.hots == "a"')?.message).toMatch(/No such key: hots/)
    expect(env.check('steps.prob.result.open')?.message).toMatch(/No such key: prob/)
    expect(env.check('result.n >')?.syntax).toBe(true)
  })

  it('rewrites only member chains compared with null', () => {
    expect(nullComparisons('result.a == null && x == 1').text).toBe('type(result.a) == null_type && x == 1')
    expect(nullComparisons('"result.a == null"').text).toBe('"type(result.a) == null_type"') // strings too: harmless for checking
  })
})

describe('evaluation', () => {
  it('integral numbers are CEL ints, so arithmetic with literals works', () => {
    expect(compileExpr('result.total / 1024').evaluate({ params: {}, steps: {}, facts: {}, result: { total: 2048 } })).toBe(2)
  })
  it('null comparisons work at run time', () => {
    expect(compileExpr('result.last == null').evaluate({ params: {}, steps: {}, facts: {}, result: { last: null } })).toBe(true)
  })
  it('templates quote interpolated values for the shell, lists as several words', () => {
    const t = compileTemplate('iptables -D ${{ result.rule }} && echo ${{ params.ip }}')
    expect(t.render({ params: { ip: "1.2.3.4; rm -rf /" }, steps: {}, facts: {}, result: { rule: ['sshguard', '-s', '1.2.3.4', '-j', 'DROP'] } }, 'shell')).toBe("iptables -D sshguard -s 1.2.3.4 -j DROP && echo '1.2.3.4; rm -rf /'")
  })
  it('an unclosed ${{ is a syntax error with its offset', () => {
    expect(parseTemplate('a ${{ b')).toEqual({ error: "unclosed '${{': add the closing '}}'", offset: 2 })
  })
})

describe('value types in evaluation errors', () => {
  const scope = { params: { token: 's3cret', max: 3 }, result: { x: null, lines: ['a'] }, steps: { gather: { result: { rules: [] } } }, facts: {} } as never
  it('names the type of each value read, where a path stops, and never a value', () => {
    expect(valueTypes("result.x.y == 1 && result.lines[2] == 'result.q' && params.token == 'a'", scope)).toEqual(['result.x: null (no field y)', 'result.lines: list of 1 (no [2])', 'params.token: string'])
    expect(valueTypes('steps.gather.result.rules.exists(r, r.result == params.max)', scope)).toEqual(['steps.gather.result.rules: list of 0', 'params.max: int'])
  })
  it('a failing evaluation is RB_CEL_EVAL with the expression and the types', () => {
    const err = (() => {
      try {
        evaluateGuard(compileExpr('params.token > params.max'), scope)
      } catch (e) {
        return e as RunbookError
      }
    })()
    expect(err?.code).toBe('RB_CEL_EVAL')
    expect(err?.detail).toMatchObject({ expr: 'params.token > params.max', types: ['params.token: string', 'params.max: int'] })
    expect(err?.message).not.toContain('s3cret')
  })
})
