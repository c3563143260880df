import { describe, expect, it } from 'vitest'
import { CheckScope, compileExpr, compileTemplate, nullComparisons, parseTemplate } from '../../../src/dsl/expr.ts'

const env = new CheckScope({ params: ['host', 'port'], steps: { probe: { result: { open: 'bool' } } } }).env({ last: { hop: 'int' }, hops: 'list', n: 'int' })

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
