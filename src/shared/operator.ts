/**
 * Who runs this process, as transcripts and approvals record it. Its own module, not the engine's:
 * the CLI asks before it loads the engine (a fleet's first hosts connect while the engine loads).
 */
import { hostname, userInfo } from 'node:os'

let operator: string | undefined

/** `user@machine` of this process, as recorded in transcripts and approvals (looked up once per process). */
export function currentOperator(): string {
  if (operator === undefined) {
    try {
      operator = `${userInfo().username}@${hostname()}`
    } catch {
      operator = `unknown@${hostname()}`
    }
  }
  return operator
}
