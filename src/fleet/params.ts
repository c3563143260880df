/**
 * A fleet's params, checked once before any host runs or connects. Its own module, light: the CLI
 * checks them before it loads the engine, and the first hosts connect while the engine loads.
 */
import type { CompiledRunbook } from '../compile/compile.ts'
import { checkParam } from '../dsl/params.ts'
import { RunbookError, RunbookErrors } from '../errors.ts'

/**
 * The params the operator gave are the same for every host: check them once, before any host runs,
 * so a bad value is one usage error (exit 2), not a failure on every host. Defaults that depend on
 * the host (facts) are resolved per host by the engine.
 */
export function checkFleetParams(compiled: Pick<CompiledRunbook, 'params'>, params: Readonly<Record<string, unknown>>): void {
  const errors: RunbookError[] = []
  for (const [name, value] of Object.entries(params)) {
    const decl = compiled.params[name]
    if (!decl) {
      const known = Object.keys(compiled.params)
      errors.push(
        new RunbookError('RB_PARAM_UNKNOWN', `unknown param '${name}' (this runbook takes: ${known.join(', ') || 'none'})`, {
          detail: { param: name },
        }),
      )
      continue
    }
    const check = checkParam(decl, value)
    if (!check.ok)
      errors.push(
        new RunbookError(
          'RB_PARAM_TYPE',
          `param '${name}': ${decl.secret ? '[redacted]' : JSON.stringify(String(value))} is not ${check.expected}`,
          { detail: { param: name, type: decl.type } },
        ),
      )
  }
  for (const [name, decl] of Object.entries(compiled.params)) {
    if (name !== 'host' && decl.required && decl.default === undefined && params[name] === undefined) {
      errors.push(
        new RunbookError('RB_PARAM_MISSING', `missing required param '${name}': pass --param ${name}=<${decl.type}>`, {
          detail: { param: name },
        }),
      )
    }
  }
  if (errors.length === 1) throw errors[0]!
  if (errors.length > 1) throw new RunbookErrors(errors)
}
