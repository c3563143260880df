/**
 * What a run looks like in Slack, as Block Kit: the thread's parent (the step tree, edited in
 * place), the plan with its Approve / Decline buttons, and the outcome with its evidence. Pure:
 * models in, messages out. Every message stays within Block Kit's limits (3000 characters of text
 * per section, 50 blocks), and whatever does not fit is counted and linked, never dropped silently.
 */
import { intentText } from '../shared/plan-text.ts'
import type { FixIntent, FixPlan, Mode } from '../types.ts'
import { formatDuration } from '../views/ansi.ts'
import type { RunModel } from '../views/model.ts'
import { STATUS_WORDS, treeLines } from '../views/tree.ts'
import { lastLines, omissionNote } from './bounded.ts'

export type Block = Record<string, unknown>
export interface Message {
  /** Fallback text: notifications, screen readers, clients without blocks. */
  text: string
  blocks: Block[]
}

export const LIMITS = { sectionText: 3000, blocks: 50, headerText: 150 } as const
export const ACTION_APPROVE = 'runbook_approve'
export const ACTION_DECLINE = 'runbook_decline'

export interface RunInfo {
  id: string
  runbook: string
  host: string | null
  mode: Mode
  requestedBy: string
  /** The requester's Slack user id, when they have one. */
  requesterSlack?: string
  /** The run's page, when RUNBOOK_PUBLIC_URL is set. */
  url?: string
}

/** One click on a plan's buttons, as the store recorded it. */
export interface ClickLine {
  identity: string
  slackUser?: string
  decision: 'approve' | 'decline'
  ok: boolean
  reason?: string
  at: number
}

/** Slack's mrkdwn needs exactly these three escaped; everything else is literal. */
export const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
/** A code block of already escaped text, whose content cannot close it early. */
const code = (escaped: string) => '```\n' + escaped.replace(/```/g, '`\u200b``') + '\n```'
const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } })
const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) })
const header = (t: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: t.length > LIMITS.headerText ? `${t.slice(0, LIMITS.headerText - 1)}…` : t, emoji: true },
})
const short = (id: string) => id.slice(0, 8)
const who = (identity: string, slack?: string) => (slack ? `<@${slack}> (${esc(identity)})` : esc(identity))
const link = (info: RunInfo, label = 'run page') =>
  info.url ? `<${info.url}|${label}>` : `the run page (set RUNBOOK_PUBLIC_URL for a link; \`runbook\` API: /runs/${info.id})`
const runLine = (info: RunInfo) =>
  `*${esc(info.runbook)}*${info.host ? ` on \`${esc(info.host)}\`` : ''} · ${info.mode === 'apply' ? 'run (fixes wait for approval)' : 'plan (dry-run: changes nothing)'} · requested by ${who(info.requestedBy, info.requesterSlack)} · run \`${short(info.id)}\``

/** A code block of the text's last lines, with what was left out said under it. */
function boundedCode(label: string, text: string, info: RunInfo, maxLines = 40): Block[] {
  // Bounded after escaping: `2>&1` grows to `2&gt;&amp;1`, and Slack counts the escaped text.
  const budget = LIMITS.sectionText - label.length - 16
  const b = lastLines(esc(text), maxLines, budget)
  const note = omissionNote(b, 'earlier')
  return [
    section(`${label}\n${code(b.text === '' ? '(no output)' : b.text)}`),
    ...(note ? [context(`✂ ${note}: in full on ${link(info)}`)] : []),
  ]
}

export function runUrl(publicUrl: string | undefined, id: string): string | undefined {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/runs/${id}` : undefined
}

/** The thread's parent: what runs, where, who asked, and the step tree so far. Edited in place. */
export function parentMessage(info: RunInfo, m: RunModel, status: string, now = Date.now()): Message {
  const tree = treeLines(m, { width: 100, color: false, verbose: false, now }).slice(1)
  const icon = m.finished
    ? m.finished.exitCode === 0
      ? ':white_check_mark:'
      : m.finished.status === 'fix-applied'
        ? ':white_check_mark:'
        : ':warning:'
    : ':hourglass_flowing_sand:'
  const state = m.finished
    ? `${m.finished.status}: ${STATUS_WORDS[m.finished.status]} (exit ${m.finished.exitCode}, ${formatDuration(m.finished.durationMs)})`
    : status
  return {
    text: `runbook ${info.runbook}${info.host ? ` on ${info.host}` : ''}: ${state}`,
    blocks: [
      section(`${icon} ${runLine(info)}\n*Status:* ${esc(state)}`),
      ...(tree.length ? boundedCode('*Steps*', tree.join('\n'), info, 60) : []),
      context(`${link(info)} · run id \`${info.id}\``),
    ],
  }
}

export type PlanState = { kind: 'waiting'; required: number; expiresAt?: number } | { kind: 'dry-run' } | { kind: 'closed'; why: string }

const PHASES = [
  ['Apply', 'apply'],
  ['Verify', 'verify'],
  ['Rollback', 'rollback'],
] as const

/** The button value: the run id and the plan hash, nothing else. */
export const buttonValue = (runId: string, planHash: string) => `${runId}:${planHash}`
export function parseButtonValue(value: string): { runId: string; planHash: string } | undefined {
  const m = /^([0-9a-f-]{36}):([0-9a-f]{64})$/.exec(value)
  return m ? { runId: m[1]!, planHash: m[2]! } : undefined
}

function planButtons(info: RunInfo, plan: FixPlan): Block {
  return {
    type: 'actions',
    block_id: `plan:${plan.hash.slice(0, 32)}`,
    elements: [
      {
        type: 'button',
        action_id: ACTION_APPROVE,
        style: 'danger',
        text: { type: 'plain_text', text: 'Approve' },
        value: buttonValue(info.id, plan.hash),
        confirm: {
          title: { type: 'plain_text', text: 'Apply this fix?' },
          text: {
            type: 'mrkdwn',
            text: esc(
              `Plan ${plan.hash.slice(0, 12)} will run its apply commands on ${plan.host}${plan.sudo ? ' with sudo' : ''}. Approve only what the message shows.`,
            ).slice(0, 300),
          },
          confirm: { type: 'plain_text', text: 'Approve and apply' },
          deny: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
        },
      },
      { type: 'button', action_id: ACTION_DECLINE, text: { type: 'plain_text', text: 'Decline' }, value: buttonValue(info.id, plan.hash) },
    ],
  }
}

const clickText = (c: ClickLine) =>
  c.ok
    ? `${c.decision === 'approve' ? ':white_check_mark:' : ':no_entry_sign:'} ${who(c.identity, c.slackUser)} ${c.decision === 'approve' ? 'approved' : 'declined'} at ${new Date(c.at).toISOString().slice(11, 19)}Z`
    : `:raised_hand: ${who(c.identity, c.slackUser)}: ${c.decision} refused: ${esc(c.reason ?? '')}`.slice(0, 2900)

/**
 * The plan: host, exact commands, file diffs, rollback and the commit-confirmed window, with the
 * buttons while it waits. A plan too long for one message shows a summary and the link to the full
 * plan; the buttons still bind to the hash of the full plan.
 */
export function planMessage(
  info: RunInfo,
  step: string,
  summary: string,
  plan: FixPlan,
  state: PlanState,
  clicks: ClickLine[] = [],
  intent?: FixIntent,
): Message {
  const head = [
    header(`Fix proposed: ${summary}`),
    section(
      `${runLine(info)}\n*Step* \`${esc(step)}\` · on \`${esc(plan.host)}\`${plan.sudo ? ' with sudo' : ''} · plan \`${plan.hash.slice(0, 12)}\`` +
        // Intent first: the action and its inputs; the exact commands follow.
        (intent ? `\n*Does* \`${esc(intentText(intent))}\`` : '') +
        (state.kind === 'waiting'
          ? `\nNeeds *${state.required}* approval${state.required === 1 ? '' : 's'} from someone other than the requester${state.expiresAt ? `, before ${new Date(state.expiresAt).toISOString().slice(0, 19)}Z` : ''}.`
          : ''),
    ),
  ]
  const body: Block[] = []
  let fits = true
  const add = (label: string, text: string) => {
    const full = `${label}\n${code(esc(text))}`
    if (full.length > LIMITS.sectionText) fits = false
    body.push(section(full))
  }
  for (const [label, key] of PHASES)
    if (plan[key].length) add(`*${label}* (${plan[key].length} command${plan[key].length === 1 ? '' : 's'})`, plan[key].join('\n'))
  for (const f of plan.files) add(`*File* \`${esc(f.path)}\`${f.before === null ? ' (new)' : ''}`, f.diff.trimEnd() || '(no change)')
  if (plan.access)
    body.push(
      section(
        `:hourglass: *Commit-confirmed:* the host reverts this fix by itself within *${formatDuration(plan.access.confirmWithinMs)}* unless it is verified over a new connection.`,
      ),
    )
  if (plan.vouched?.length)
    body.push(
      context(
        ...plan.vouched
          .slice(0, 10)
          .map(
            (v) => `read-only by the author's word: \`${esc(v.command.split('\n')[0]!.slice(0, 200))}\` (${esc(v.reason.slice(0, 200))})`,
          ),
      ),
    )
  const tail: Block[] = []
  if (state.kind === 'waiting') tail.push(planButtons(info, plan))
  else if (state.kind === 'dry-run')
    tail.push(
      context(
        `Dry-run: nothing was changed. \`/runbook run ${esc(info.runbook)}${info.host ? ` host=${esc(info.host)}` : ''}\` runs it with this fix waiting for approval.`,
      ),
    )
  else tail.push(context(esc(state.why)))
  const shown = clicks.slice(-9)
  if (shown.length)
    tail.push(
      context(
        ...(clicks.length > shown.length ? [`${clicks.length - shown.length} earlier clicks on ${link(info)}`] : []),
        ...shown.map(clickText),
      ),
    )
  if (fits && head.length + body.length + tail.length <= LIMITS.blocks)
    return { text: `Fix proposed: ${summary} (plan ${plan.hash.slice(0, 12)})`, blocks: [...head, ...body, ...tail] }

  // Too long for Slack: say so, count what is left out, keep the first apply command visible.
  const count = (xs: unknown[], what: string) => `${xs.length} ${what}${xs.length === 1 ? '' : 's'}`
  const diffLines = plan.files.reduce((n, f) => n + f.diff.split('\n').filter((l) => /^[-+][^-+]/.test(l)).length, 0)
  const first = plan.apply[0] ?? ''
  const summaryText =
    `:scroll: This plan is too long to show in Slack: ${count(plan.apply, 'apply command')}, ${count(plan.verify, 'verify command')}, ${count(plan.rollback, 'rollback command')}, ${count(plan.files, 'file')} changed (${diffLines} diff lines)` +
    `${plan.access ? `, commit-confirmed within ${formatDuration(plan.access.confirmWithinMs)}` : ''}.\nRead it in full on ${link(info, 'the run page')} before you approve: the buttons approve exactly that plan (\`${plan.hash.slice(0, 12)}\`).`
  const firstCmd = lastLines(esc(first), 20, 2000)
  return {
    text: `Fix proposed: ${summary} (plan ${plan.hash.slice(0, 12)}, too long for Slack: see the run page)`,
    blocks: [
      ...head,
      section(summaryText),
      section(`*First apply command*${firstCmd.omittedChars ? ` (${omissionNote(firstCmd, 'earlier')})` : ''}\n${code(firstCmd.text)}`),
      ...tail,
    ],
  }
}

const SEVERITY_ICON = { ok: ':white_check_mark:', info: ':information_source:', warning: ':warning:', critical: ':red_circle:' } as const

/** The end of the thread: the outcome, its evidence (bounded), the exit status and the link. */
export function outcomeMessage(info: RunInfo, m: RunModel): Message {
  const blocks: Block[] = []
  const o = m.outcome
  if (o) blocks.push(section(`${SEVERITY_ICON[o.severity]} *${o.severity.toUpperCase()}* ${esc(o.summary)}`.slice(0, LIMITS.sectionText)))
  else blocks.push(section(':grey_question: The run reached no outcome.'))
  const evidence = o?.evidence ?? []
  // Two blocks per evidence item at most, and room kept for the status and the link.
  const room = Math.max(0, Math.floor((LIMITS.blocks - 6) / 2))
  for (const ev of evidence.slice(0, room)) {
    const label = `*Evidence*${ev.step ? ` from \`${esc(ev.step)}\`` : ''}${ev.command ? ` \`$ ${esc(ev.command.split('\n')[0]!.slice(0, 300))}\`` : ''}`
    blocks.push(...boundedCode(label, ev.text.trimEnd(), info, 15))
  }
  if (evidence.length > room) blocks.push(context(`✂ ${evidence.length - room} more evidence items not shown: on ${link(info)}`))
  const f = m.finished
  const status = f
    ? `Exit ${f.exitCode} (${f.status}): ${STATUS_WORDS[f.status]}${f.error ? `: ${f.error.code} ${f.error.message}` : ''} in ${formatDuration(f.durationMs)}`
    : 'Unfinished: the record ends before run.finished (interrupted or crashed)'
  blocks.push(section(esc(status).slice(0, LIMITS.sectionText)))
  blocks.push(context(`Full record: ${link(info)}${info.url ? ` · <${info.url}/transcript.jsonl|transcript>` : ''}`))
  return { text: `${o ? `${o.severity.toUpperCase()}: ${o.summary}` : 'no outcome'} · ${status}`.slice(0, 3000), blocks }
}
