/**
 * A fix plan as text, intent first: the action the fix comes from with its inputs, then the exact
 * commands (an honest plan shows what will run). One rendering for the approval prompt
 * (approval.ts) and the plain log view; the terminal tree draws the same order with colours.
 * Pure: the plan and its hash are not touched (the hash is computed from the plan, not from this).
 */
import type { FixIntent, FixPlan } from '../types.ts'

/** `sshguard/lift-block@2 with ip=198.51.100.23`; an action without inputs is just its name. */
export function intentText(intent: FixIntent): string {
  const inputs = intent.inputs.filter((i) => i.value !== '' && i.value !== 'null').map((i) => `${i.name}=${oneLine(i.value)}`)
  return inputs.length === 0 ? intent.action : `${intent.action} with ${inputs.join(', ')}`
}

/** A labelled multi-line command: the label on its first line, the rest aligned under it. */
export function labelled(label: string, command: string): string[] {
  return command
    .replace(/\n+$/, '')
    .split('\n')
    .map((l, i) => (i === 0 ? label : ' '.repeat(label.length)) + l)
}

/**
 * The plan's lines, each starting with `indent`: what it does (the action and inputs, when the fix
 * uses one), where, then every command in full.
 */
export function planLines(
  p: { plan: FixPlan; intent?: FixIntent | undefined },
  indent: string,
  describeAccess: (ms: number) => string,
): string[] {
  const { plan } = p
  return [
    ...(p.intent ? [`${indent}does:     ${intentText(p.intent)}`] : []),
    `${indent}on ${plan.host}${plan.sudo ? ' with sudo' : ''}, plan ${plan.hash.slice(0, 12)}`,
    ...plan.apply.flatMap((c) => labelled(`${indent}apply:    `, c)),
    ...plan.verify.flatMap((c) => labelled(`${indent}verify:   `, c)),
    ...plan.rollback.flatMap((c) => labelled(`${indent}rollback: `, c)),
    ...plan.files.flatMap((f) => [
      `${indent}file:     ${f.path}`,
      ...f.diff
        .split('\n')
        .filter((l) => /^[-+@ ]/.test(l) && !/^(---|\+\+\+) /.test(l))
        .map((l) => `${indent}  ${l}`),
    ]),
    ...(plan.access
      ? [
          `${indent}access:   commit-confirmed: the host reverts by itself within ${describeAccess(plan.access.confirmWithinMs)} unless verified`,
        ]
      : []),
    ...(plan.vouched ?? []).map((v) => `${indent}read-only by the author's word: ${v.command.split('\n')[0]} (${v.reason})`),
  ]
}

function oneLine(text: string): string {
  const t = text.replace(/\s*\n\s*/g, ' ')
  return t.length > 120 ? `${t.slice(0, 119)}…` : t
}
