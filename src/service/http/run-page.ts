/**
 * The run page's content, drawn from the run's journal: the same RunModel the terminal views fold
 * (views/model.ts), so a run reads the same in a browser as in `runbook replay`. Pure: a RunView
 * and events in, Html out. pages.ts serves it whole and, for the live refresh, as a fragment.
 */
import { intentText } from '../../shared/plan-text.ts'
import type { FixPlan, RunEvent } from '../../types.ts'
import { formatDuration } from '../../views/ansi.ts'
import { emptyModel, endModel, foldEvent, type CommandNode, type ProbeNode, type RunModel, type StepNode } from '../../views/model.ts'
import { STATUS_WORDS } from '../../views/tree.ts'
import type { RunView } from '../service.ts'
import { LIVE_STATUSES } from '../store.ts'
import { ansiToHtml } from './ansi-html.ts'
import { html, trusted, type Html } from './html.ts'

export interface RunPageInput {
  view: RunView
  events: RunEvent[]
  viewer: { name: string; csrf: string }
  /** access.yaml lets the viewer approve this run's runbook on its host. */
  mayApprove: boolean
  fourEyes: boolean
  notice?: { kind: 'ok' | 'error'; text: string }
}

/** Output shown per stream at most; the transcript has all of it. */
export const OUTPUT_CAP = 64 * 1024

const LIVE_WORDS: Readonly<Record<string, string>> = {
  queued: 'waiting in the queue for a worker',
  running: 'running',
  'waiting-approval': 'a fix waits for approval; nothing was changed yet',
}

export const statusWords = (status: string): string => LIVE_WORDS[status] ?? STATUS_WORDS[status as keyof typeof STATUS_WORDS] ?? status

export const isLive = (status: string): boolean => (LIVE_STATUSES as readonly string[]).includes(status)

const when = (iso: string | null) => (iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html`–`)

export function statusBadge(status: string): Html {
  return html`<span class="badge st-${status}">${status}</span>`
}

function output(label: string, text: string, cls: string): Html {
  if (text === '') return html``
  const shown = text.length > OUTPUT_CAP ? text.slice(0, OUTPUT_CAP) : text
  return html`<div class="out-label">${label}</div><pre class="out ${cls}">${trusted(ansiToHtml(shown))}</pre>${
    text.length > OUTPUT_CAP ? html`<p class="note">${text.length - OUTPUT_CAP} more characters: see the transcript.</p>` : ''
  }`
}

function exitText(c: CommandNode): string {
  if (c.status === 'running') return 'running…'
  if (c.error) return `${c.error.kind}: ${c.error.message}`
  const r = c.result
  if (!r) return c.status
  if (r.timedOut) return `timed out after ${formatDuration(r.durationMs)}`
  return `${r.exitCode === null ? `signal ${r.signal ?? '?'}` : `exit ${r.exitCode}`} (${formatDuration(r.durationMs)})`
}

function command(c: CommandNode, key: string): Html {
  const tags = [c.phase, c.sub].filter(Boolean) as string[]
  return html`<details class="cmd c-${c.status}" data-key="${key}">
<summary><span class="tags">${tags.map((t) => html`<span class="tag">${t}</span>`)}</span><code>${c.spec.sudo ? 'sudo ' : ''}${c.spec.command}</code> <span class="exit">${exitText(c)}</span></summary>
<div class="cmd-body">
<div class="meta">on ${c.spec.host}${c.spec.mutating ? ', changes the host' : ''}${c.spec.readonly ? `, read-only: ${c.spec.readonly}` : ''}</div>
${c.result ? [output('stdout', c.result.stdout, 'stdout'), output('stderr', c.result.stderr, 'stderr')] : ''}
${c.result && c.result.stdout === '' && c.result.stderr === '' ? html`<p class="note">no output</p>` : ''}
${c.result?.truncated ? html`<p class="note">the executor cut this output at its cap</p>` : ''}
${c.error ? html`<pre class="out stderr">${c.error.kind}: ${c.error.message}</pre>` : ''}
</div></details>`
}

function probe(p: ProbeNode): Html {
  const s = p.spec
  const what = s.kind === 'http' ? `http ${s.url}` : s.kind === 'tcp' ? `tcp ${s.host}:${s.port}` : `ping ${s.host}`
  const r = p.result
  const how = r.ok
    ? r.status !== undefined
      ? `status ${r.status}`
      : r.rttMs !== undefined
        ? `${r.received}/${r.sent} replies, ${r.rttMs} ms`
        : 'ok'
    : r.error
      ? `${r.error.kind}: ${r.error.message}`
      : 'failed'
  return html`<li class="probe ${r.ok ? 'c-ok' : 'c-failed'}">${p.sub ? html`<span class="tag">${p.sub}</span>` : ''}<code>${what}</code> → ${how} (${formatDuration(r.durationMs)})</li>`
}

function step(s: StepNode, index: number): Html {
  const f = s.fix
  return html`<li class="step s-${s.status}" id="step-${s.id}" data-step="${s.id}" data-status="${s.status}">
<div class="step-head"><span class="glyph"></span><strong>${s.id}</strong> <span class="kind">${s.kind}</span>${s.title ? html` <span class="title">${s.title}</span>` : ''}
<span class="step-status">${s.status}${s.durationMs !== undefined ? ` · ${formatDuration(s.durationMs)}` : ''}</span></div>
${s.error ? html`<div class="err">${s.error.kind}: ${s.error.message}</div>` : ''}
${
  f
    ? html`<div class="fix">${f.summary ? html`<div>fix: ${f.summary}</div>` : ''}${f.intent ? html`<div class="intent">does: ${intentText(f.intent)}</div>` : ''}${f.notNeeded ? html`<div>not needed</div>` : ''}${
        f.decision
          ? html`<div>${f.decision.approved ? `approved by ${f.decision.by}` : `declined by ${f.decision.by}${f.decision.reason ? `: ${f.decision.reason}` : ''}`}</div>`
          : ''
      }${f.applied ? html`<div>applied</div>` : ''}${f.verified !== undefined ? html`<div>verify: ${f.verified ? 'passed' : 'FAILED'}</div>` : ''}${
        f.rolledBack !== undefined ? html`<div>rollback: ${f.rolledBack ? 'done' : 'FAILED'}</div>` : ''
      }${f.notes.map((n) => html`<div class="note">${n}</div>`)}</div>`
    : ''
}
${s.probes.length ? html`<ul class="probes">${s.probes.map(probe)}</ul>` : ''}
${s.commands.map((c, i) => command(c, `${index}:${s.id}:${i}`))}
${s.next ? html`<div class="next">→ ${s.next.to} <span class="via">(${s.next.via})</span></div>` : ''}
</li>`
}

function diff(text: string): Html {
  const cls = (l: string) =>
    l.startsWith('+++') || l.startsWith('---')
      ? 'd-file'
      : l.startsWith('@@')
        ? 'd-hunk'
        : l.startsWith('+')
          ? 'd-add'
          : l.startsWith('-')
            ? 'd-del'
            : 'd-ctx'
  return html`<pre class="diff">${text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => html`<span class="${cls(l)}">${l}</span>\n`)}</pre>`
}

export function planSection(plan: (FixPlan & { step: string }) | null): Html {
  if (!plan) return html``
  const phase = (name: string, commands: string[]) =>
    commands.length
      ? html`<div class="phase"><div class="out-label">${name}</div><pre class="cmds">${commands.map((c) => html`${plan.sudo ? 'sudo ' : ''}${c}\n`)}</pre></div>`
      : ''
  return html`<section class="plan" id="plan"><h2>Plan of fix <code>${plan.step}</code> on ${plan.host}</h2>
<p>Plan hash <code class="hash" id="plan-hash">${plan.hash}</code>${plan.access ? html` · access fix: commit-confirmed, reverted on the host unless confirmed within ${formatDuration(plan.access.confirmWithinMs)}` : ''}</p>
${phase('check', plan.check)}${phase('apply', plan.apply)}${phase('verify', plan.verify)}${phase('rollback', plan.rollback)}
${plan.files.length ? html`<h3>Files it writes</h3>${plan.files.map((f) => html`<div class="file"><div><code>${f.path}</code> ${f.before === null ? '(new file)' : ''}</div>${diff(f.diff)}</div>`)}` : ''}
${plan.vouched?.length ? html`<h3>Vouched read-only</h3><ul>${plan.vouched.map((v) => html`<li><code>${v.command}</code>: ${v.reason}</li>`)}</ul>` : ''}
</section>`
}

function outcomeSection(m: RunModel): Html {
  const o = m.outcome
  if (!o) return html``
  return html`<section class="outcome sev-${o.severity}" id="outcome"><h2>Outcome <code>${o.id}</code> <span class="badge sev-${o.severity}">${o.severity}</span></h2>
<p class="summary">${o.summary}</p>
${o.evidence.length ? html`<h3>Evidence</h3><ul class="evidence">${o.evidence.map((e) => html`<li>${e.step || e.command ? html`<div class="meta">${e.step ? `step ${e.step}` : ''}${e.command ? html` <code>${e.command}</code>` : ''}</div>` : ''}${e.text === '' ? html`<p class="note">no output</p>` : html`<pre class="out">${trusted(ansiToHtml(e.text))}</pre>`}</li>`)}</ul>` : ''}
${o.see?.length ? html`<p>See also: ${o.see.map((s, i) => html`${i ? ', ' : ''}<code>${s}</code>`)}</p>` : ''}
</section>`
}

function approvalSection(input: RunPageInput): Html {
  const { view, viewer } = input
  const req = view.approvalRequest
  const waiting = req !== null && req.state === 'open' && view.status === 'waiting-approval'
  const history = view.approvals.length
    ? html`<table class="approvals"><tr><th>who</th><th>decision</th><th>plan</th><th>at</th></tr>${view.approvals.map(
        (a) =>
          html`<tr${a.voided ? trusted(' class="voided"') : ''}><td>${a.identity}</td><td>${a.decision}${a.voided ? ' (voided by a re-plan)' : ''}</td><td><code>${a.planHash.slice(0, 12)}</code></td><td>${when(a.at)}</td></tr>`,
      )}</table>`
    : ''
  if (!req) return html``
  if (!waiting)
    return html`<section class="approval" id="approval"><h2>Approval</h2><p>Request for plan <code>${req.planHash.slice(0, 12)}</code>: ${req.state}</p>${history}</section>`
  const given = view.approvals.filter((a) => !a.voided && a.planHash === req.planHash && a.decision === 'approve')
  const mine = given.some((a) => a.identity === viewer.name)
  const own = input.fourEyes && viewer.name === view.requestedBy
  let action: Html
  if (!input.mayApprove)
    action = html`<p class="why">'${viewer.name}' may not approve this run: no rule of access.yaml grants approve on ${view.runbook}${view.host ? ` on ${view.host}` : ''}.</p>`
  else if (own) action = html`<p class="why">You requested this run: another identity allowed to approve must do it (four-eyes).</p>`
  else if (mine)
    action = html`<p class="why">You approved this plan; ${req.required - given.length} more approval(s) from other identities needed.</p>`
  else
    action = html`<form method="post" action="/runs/${view.id}/approvals" class="decide">
<input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="planHash" value="${req.planHash}">
<button type="submit" name="decision" value="approve" id="approve" class="approve">Approve plan ${req.planHash.slice(0, 12)}</button>
<button type="submit" name="decision" value="decline" id="decline" class="decline">Decline</button>
</form>`
  return html`<section class="approval waiting" id="approval"><h2>Waiting for approval</h2>
<p>${req.required} approval(s) of plan <code>${req.planHash}</code> needed (${given.length} given), before ${when(req.expiresAt)}. Requested by ${view.requestedBy}.</p>
${action}${history}</section>`
}

/** What the last POST did (approved, refused and why): above the live part, so a refresh keeps it. */
export function notice(input: RunPageInput): Html {
  return input.notice ? html`<p class="notice ${input.notice.kind}" id="notice">${input.notice.text}</p>` : html``
}

/** The part of the run page that changes while the run goes on (replaced whole by the live script). */
export function runLive(input: RunPageInput): Html {
  const { view } = input
  const model = emptyModel()
  for (const e of input.events) foldEvent(model, e)
  if (!isLive(view.status)) endModel(model)
  const lastSeq = input.events.at(-1)?.seq ?? 0
  return html`<div id="run-state" data-status="${view.status}" data-live="${String(isLive(view.status))}" data-seq="${lastSeq}"></div>
<section class="summary"><h1>${view.runbook}${view.host ? html` <span class="on">on</span> ${view.host}` : ''} ${statusBadge(view.status)}</h1>
<p class="words" id="status-words">${statusWords(view.status)}${view.exitCode !== null ? ` (exit ${view.exitCode})` : ''}</p>
<dl>
<dt>run</dt><dd><a href="/runs/${view.id}"><code>${view.id}</code></a></dd>
<dt>mode</dt><dd>${view.mode}</dd><dt>requested by</dt><dd>${view.requestedBy}</dd>
<dt>queued</dt><dd>${when(view.createdAt)}</dd><dt>started</dt><dd>${when(view.startedAt)}</dd><dt>finished</dt><dd>${when(view.finishedAt)}</dd>
</dl>
${view.error ? html`<p class="err" id="run-error">${view.error}</p>` : ''}
</section>
${approvalSection(input)}
${outcomeSection(model)}
${planSection(view.plan as (FixPlan & { step: string }) | null)}
<section class="steps"><h2>Steps</h2>${model.steps.length ? html`<ol class="steps" id="steps">${model.steps.map(step)}</ol>` : html`<p class="note" id="no-steps">No step has started yet.</p>`}</section>`
}
