import { describe, expect, it } from 'vitest'
import {
  CheckScope,
  compileExpr,
  compileTemplate,
  evaluateGuard,
  nullComparisons,
  parseTemplate,
  valueTypes,
} from '../../../src/dsl/expr.ts'
import type { RunbookError } from '../../../src/errors.ts'
import { typeMismatch } from '../../../src/dsl/validate.ts'

const env = new CheckScope({ params: { host: 'string', port: 'int' }, steps: { probe: { result: { open: 'bool' } } } }).env({
  last: { hop: 'int' },
  hops: 'list',
  n: 'int',
})

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

describe('CEL type checking', () => {
  const scope = new CheckScope({
    params: { ip: 'string', port: 'int', dry: 'bool' },
    steps: { scan: { result: { sockets: [{ localPort: 'int', process: { name: 'string' } }] } } },
  })
  const typed = scope.env({
    total: 'int',
    load: 'double',
    byClient: 'map',
    names: 'list<string>',
    lines: 'list',
    rules: [{ source: 'string', dport: 'int', comment: 'string', process: { name: 'string' } }],
  })
  const ok = (expr: string) => expect(typed.check(expr), expr).toBeNull()

  it('accepts what is right at run time: int with double, null checks, maps and plain lists as dyn', () => {
    ok('result.load > params.port && result.total == 2.0 && double(result.total) / result.load > 0.5')
    ok('result.rules.exists(r, r.comment == null || r.comment.startsWith("x"))')
    ok('result.rules.exists(r, r.process != null && r.process.name == "sshd")')
    ok('result.byClient[params.ip] > 3 && result.byClient.anything == "x" && result.lines[0].foo == 1')
    ok('params.ip in result.names && params.dry == false && steps.scan.result.sockets.all(s, s.localPort != params.port)')
  })

  it('reports an int param met with a string, with both operands and their types', () => {
    const p = typed.check('params.port == "22"')
    expect(p?.operands).toEqual({ op: '==', left: { text: 'params.port', type: 'int' }, right: { text: '"22"', type: 'string' } })
    expect(p?.offset).toBe(0)
  })

  it('reports unknown fields of list elements and nested objects, with the fields the object has', () => {
    const expr = 'result.rules.exists(r, r.sourse == params.ip)'
    const p = typed.check(expr)
    expect(p?.message).toBe('No such key: sourse')
    expect(expr.slice(p!.offset, p!.offset + 6)).toBe('sourse')
    expect(p?.known).toEqual(['source', 'dport', 'comment', 'process'])
    expect(typed.check('result.rules.map(r, r.process.nmae)')?.known).toEqual(['name'])
    expect(typed.check('steps.scan.result.sockets.filter(s, s.localPrt > 1)')?.known).toEqual(['localPort', 'process'])
  })

  it('types element fields inside macros', () => {
    expect(typed.check('result.rules.filter(r, r.dport == params.ip).size() > 0')?.operands).toMatchObject({
      left: { text: 'r.dport', type: 'int' },
      right: { text: 'params.ip', type: 'string' },
    })
  })
})

describe('type mismatch messages', () => {
  it('say what met and how to fix it', () => {
    const m = (op: string, l: [string, string], r: [string, string]) =>
      typeMismatch({ op, left: { text: l[0], type: l[1] }, right: { text: r[0], type: r[1] } })
    expect(m('==', ['params.port', 'int'], ['"22"', 'string'])).toBe('params.port is an int and "22" is a string: compare with 22')
    expect(m('==', ['params.ip', 'string'], ['22', 'int'])).toBe('params.ip is a string and 22 is an int: compare with "22"')
    expect(m('>', ['params.n', 'string'], ['2', 'int'])).toBe('params.n is a string and 2 is an int: convert with int(params.n)')
    expect(m('==', ['params.dry', 'bool'], ["'true'", 'string'])).toBe("params.dry is a bool and 'true' is a string: compare with true")
    expect(m('*', ['result.load1', 'double'], ['2', 'int'])).toBe(
      'result.load1 is a double and 2 is an int: write double(result.load1) * 2.0',
    )
    expect(m('==', ['r.port', 'int'], ['params.p', 'string'])).toBe(
      'r.port is an int and params.p is a string: convert one side: int(params.p) or string(r.port)',
    )
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
    expect(
      t.render(
        { params: { ip: '1.2.3.4; rm -rf /' }, steps: {}, facts: {}, result: { rule: ['sshguard', '-s', '1.2.3.4', '-j', 'DROP'] } },
        'shell',
      ),
    ).toBe("iptables -D sshguard -s 1.2.3.4 -j DROP && echo '1.2.3.4; rm -rf /'")
  })
  it('an unclosed ${{ is a syntax error with its offset', () => {
    expect(parseTemplate('a ${{ b')).toEqual({ error: "unclosed '${{': add the closing '}}'", offset: 2 })
  })
  it('a ${{ left open before the next one is named, at the first one; a ${{ inside a CEL string is text', () => {
    expect(parseTemplate('x ${{ a : ${{ b }}')).toEqual({ error: "unclosed '${{': add the closing '}}' before the next '${{'", offset: 2 })
    expect(parseTemplate('a ${{ "${{" }} b')).toEqual([{ text: 'a ' }, { expr: '"${{"', offset: 6 }, { text: ' b' }])
    expect(parseTemplate("${{ 'x\\'${{' }}")).toEqual([{ expr: "'x\\'${{'", offset: 4 }])
  })
})

describe('value types in evaluation errors', () => {
  const scope = {
    params: { token: 's3cret', max: 3 },
    result: { x: null, lines: ['a'] },
    steps: { gather: { result: { rules: [] } } },
    facts: {},
  } as never
  it('names the type of each value read, where a path stops, and never a value', () => {
    expect(valueTypes("result.x.y == 1 && result.lines[2] == 'result.q' && params.token == 'a'", scope)).toEqual([
      'result.x: null (no field y)',
      'result.lines: list of 1 (no [2])',
      'params.token: string',
    ])
    expect(valueTypes('steps.gather.result.rules.exists(r, r.result == params.max)', scope)).toEqual([
      'steps.gather.result.rules: list of 0',
      'params.max: int',
    ])
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
