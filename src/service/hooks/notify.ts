/**
 * Where the result of an alert-started run goes. One small interface, so the Slack app
 * (src/chat/) can plug in its own (a thread per run) in place of the plain chat.postMessage here.
 *
 * Tokens travel in headers only; an error message names the API method and Slack's or
 * PagerDuty's error code, never a token.
 */
import type { Evidence } from '../../types.ts'

/** What a notifier needs to tell people about a finished alert-started run. */
export interface RunResultNotice {
  runId: string
  runbook: string
  host: string | null
  status: string
  exitCode: number | null
  outcome: { id: string; severity: string; summary: string; evidence: Evidence[] } | null
  /** The fix the dry-run found, waiting for a human: alert-started runs never apply. */
  fixProposed: string | null
  error: string | null
  rule: string
  alert: { source: string; name: string; fingerprint: string }
  slackChannel: string | null
  /** PagerDuty incident the alert came from, if any. */
  incidentId: string | null
  /** The run's page, when the server knows its public URL. */
  runUrl: string | null
}

export interface Notifier {
  notify(notice: RunResultNotice): Promise<void>
}

const EVIDENCE_LINES = 8
const LINE_CHARS = 300

/** One line of at most LINE_CHARS, saying when it was cut. */
const line = (text: string) => {
  const [first = '', ...rest] = text.split('\n')
  const cut = first.length > LINE_CHARS ? `${first.slice(0, LINE_CHARS)}… (${first.length - LINE_CHARS} more characters)` : first
  return rest.length > 0 ? `${cut} (+${rest.length} more line${rest.length === 1 ? '' : 's'})` : cut
}

/**
 * Slack reads `<…>` as links and mentions (`<!channel>`) and `&` as an entity: text that came from
 * a host (an outcome summary quoting a log line) must not ping a channel or forge a link.
 */
export const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The message: plain text (Slack mrkdwn renders it; PagerDuty notes are plain text, 25 kB max). */
export function renderNotice(n: RunResultNotice): string {
  const lines = [
    `Alert ${n.alert.name || n.alert.fingerprint} (${n.alert.source}, rule ${n.rule}) → dry-run of ${n.runbook}${n.host ? ` on ${n.host}` : ''}: ${n.status}${n.exitCode === null ? '' : ` (exit ${n.exitCode})`}`,
  ]
  if (n.outcome) lines.push(n.outcome.summary)
  if (n.error && !n.outcome) lines.push(`Error: ${line(n.error)}`)
  const evidence = n.outcome?.evidence ?? []
  for (const e of evidence.slice(0, EVIDENCE_LINES)) lines.push(`• ${e.step ? `${e.step}: ` : ''}${line(e.text)}`)
  if (evidence.length > EVIDENCE_LINES)
    lines.push(`… ${evidence.length - EVIDENCE_LINES} more evidence lines${n.runUrl ? ' on the run page' : ` (runbook runs ${n.runId})`}`)
  if (n.fixProposed) lines.push(`Fix proposed, not applied (alert-started runs are dry-runs): ${n.fixProposed}`)
  lines.push(n.runUrl ? `Run: ${n.runUrl}` : `Run id: ${n.runId}`)
  return lines.join('\n')
}

async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  let json: unknown = null
  try {
    json = JSON.parse(text)
  } catch {
    // Not JSON: the status says enough.
  }
  return { status: res.status, json }
}

/** Slack Web API `chat.postMessage` to the rule's channel (no channel: nothing to do). */
export class SlackNotifier implements Notifier {
  constructor(readonly o: { token: string; apiUrl?: string }) {}
  async notify(n: RunResultNotice): Promise<void> {
    if (!n.slackChannel) return
    const base = (this.o.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/')
    const { status, json } = await postJson(
      `${base}chat.postMessage`,
      { authorization: `Bearer ${this.o.token}` },
      { channel: n.slackChannel, text: slackEscape(renderNotice(n)), unfurl_links: false },
    )
    const ok = (json as { ok?: boolean } | null)?.ok === true
    if (!ok)
      throw new Error(`Slack chat.postMessage to ${n.slackChannel}: ${(json as { error?: string } | null)?.error ?? `HTTP ${status}`}`)
  }
}

/** PagerDuty REST API: a note on the incident the alert came from (not from PagerDuty: nothing). */
export class PagerDutyNotifier implements Notifier {
  constructor(readonly o: { token: string; from: string; apiUrl?: string }) {}
  async notify(n: RunResultNotice): Promise<void> {
    if (!n.incidentId) return
    const base = (this.o.apiUrl ?? 'https://api.pagerduty.com').replace(/\/$/, '')
    const { status } = await postJson(
      `${base}/incidents/${encodeURIComponent(n.incidentId)}/notes`,
      { authorization: `Token token=${this.o.token}`, accept: 'application/vnd.pagerduty+json;version=2', from: this.o.from },
      { note: { content: renderNotice(n).slice(0, 25_000) } },
    )
    if (status < 200 || status > 299) throw new Error(`PagerDuty note on incident ${n.incidentId}: HTTP ${status}`)
  }
}

/** Every notifier, each on its own: one failing does not stop the others. Rejects with all failures. */
export class Notifiers implements Notifier {
  constructor(readonly list: Notifier[]) {}
  async notify(n: RunResultNotice): Promise<void> {
    const results = await Promise.allSettled(this.list.map((x) => x.notify(n)))
    const failed = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason)))
    if (failed.length > 0) throw new Error(failed.join('; '))
  }
}
