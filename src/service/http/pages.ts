/**
 * Plugin: the web pages, server-rendered by the API's own server (no single-page app, no template
 * engine). `/runs` lists runs with filters; `/runs/:id` is a run's stable page (links in chat point
 * here): its live step tree, each command's output (collapsed, ANSI colours kept), the outcome with
 * its evidence, the plan with its file diffs and hash, and Approve/Decline buttons for an identity
 * allowed to approve. A small inline script follows the run through the API's SSE stream and
 * re-renders the page's live part from the server.
 *
 * Login: a token form (the browser keeps only a session cookie: HttpOnly, SameSite=Strict) or a
 * trusted proxy's user header. Every POST carries a CSRF token and is refused from another origin.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RunbookError, RunbookErrors, type ErrorCode } from '../../errors.ts'
import type { RunEvent, RunEventType } from '../../types.ts'
import type { Identity } from '../access.ts'
import type { RunService } from '../service.ts'
import type { ServiceRunStatus } from '../store.ts'
import { ANSI_CSS } from './ansi-html.ts'
import { statusOf } from './error-replies.ts'
import { html, scriptJson, trusted, type Html } from './html.ts'
import { isLive, notice, runLive, statusBadge, type RunPageInput } from './run-page.ts'
import { runStatus } from './schemas.ts'
import { SESSION_COOKIE, type Sessions, type Viewer } from './sessions.ts'

/** Every event type, so the live script listens to each named SSE event (compile-checked). */
const EVENT_TYPES = Object.keys({
  'run.started': 1,
  'step.started': 1,
  'command.started': 1,
  'command.finished': 1,
  'probe.finished': 1,
  'result.parsed': 1,
  'step.finished': 1,
  transition: 1,
  'fix.proposed': 1,
  'fix.not_needed': 1,
  'fix.preflight': 1,
  'fix.refused': 1,
  'fix.replanned': 1,
  'fix.approved': 1,
  'fix.declined': 1,
  'lock.acquired': 1,
  'lock.refused': 1,
  'lock.released': 1,
  'fix.backup': 1,
  'fix.revert_scheduled': 1,
  'fix.revert_cancelled': 1,
  'fix.applied': 1,
  'fix.in_doubt': 1,
  'fix.verified': 1,
  'fix.rolled_back': 1,
  outcome: 1,
  'run.finished': 1,
} satisfies Record<RunEventType, 1>)

/** How often a live page re-reads the run for changes no event carries (waiting for approval, approvals given). */
export const LIVE_POLL_MS = 2000

const STATUSES = runStatus.enum as readonly string[]

const NOTICES: Readonly<Record<string, { kind: 'ok' | 'error'; text: string }>> = {
  approved: { kind: 'ok', text: 'Approved: the fix goes ahead.' },
  waiting: { kind: 'ok', text: 'Your approval is recorded; more approvals are needed.' },
  declined: { kind: 'ok', text: 'Declined: the fix will not be applied.' },
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#1b1f24;color:#fff;padding:.5em 1em;display:flex;gap:1em;align-items:center}
header a{color:#fff}header .who{margin-left:auto}header form{display:inline}
main{padding:1em 1.5em;max-width:1200px}
a{color:#0550ae}code,pre{font:12px/1.4 ui-monospace,monospace}
pre{white-space:pre-wrap;word-break:break-all;margin:.2em 0}
pre.out{background:#0d1117;color:#e6edf3;padding:.5em;border-radius:4px;max-height:30em;overflow:auto}
pre.stderr{border-left:3px solid #cf222e}
table{border-collapse:collapse;background:#fff}td,th{padding:.3em .6em;border-bottom:1px solid #d0d7de;text-align:left}
.badge{display:inline-block;padding:0 .5em;border-radius:1em;font-size:12px;background:#d0d7de;vertical-align:middle}
.st-healthy,.st-fix-applied,.sev-ok{background:#a7f3c0}.st-problem,.st-rollback-failed,.st-fix-unverified,.st-incomplete,.sev-critical{background:#ffb3b3}
.st-fix-proposed,.st-waiting-approval,.st-refused,.st-fix-rolled-back,.sev-warning{background:#ffe08a}.st-running,.st-queued,.sev-info{background:#b6d7ff}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.5em 1em;margin:.8em 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}dt{color:#57606a}dd{margin:0}
ol.steps{list-style:none;padding:0}li.step{border-left:4px solid #d0d7de;padding:.3em .6em;margin:.4em 0}
.s-ok{border-color:#2da44e!important}.s-failed,.s-error,.s-timeout{border-color:#cf222e!important}.s-running{border-color:#0969da!important}
.s-proposed,.s-declined{border-color:#bf8700!important}.s-unfinished{border-color:#8250df!important}
.step-status,.kind,.via,.meta,.note,.exit{color:#57606a}.tag{background:#eaeef2;border-radius:3px;padding:0 .3em;margin-right:.3em;font-size:11px}
.intent{color:#8250df}
details.cmd{margin:.2em 0 .2em 1em}details.cmd summary{cursor:pointer}.c-failed .exit,.c-error .exit,.c-timeout .exit{color:#cf222e}
.err{color:#cf222e}.why{color:#57606a}.notice.ok{background:#dafbe1;padding:.5em}.notice.error{background:#ffebe9;padding:.5em}
.approval.waiting{border:2px solid #bf8700}button{font-size:14px;padding:.3em 1em;margin-right:.5em;cursor:pointer}
button.approve{background:#2da44e;color:#fff;border:0;border-radius:4px}button.decline{background:#fff;border:1px solid #cf222e;color:#cf222e;border-radius:4px}
pre.diff{background:#fff;border:1px solid #d0d7de;padding:.3em}.d-add{color:#116329;background:#dafbe1}.d-del{color:#82071e;background:#ffebe9}.d-hunk{color:#8250df}.d-file{font-weight:bold}
tr.voided{text-decoration:line-through;color:#57606a}form.filters{display:flex;gap:.5em;align-items:end;flex-wrap:wrap}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#57606a}
${ANSI_CSS}`

/** The live script: follows the run's SSE stream and re-reads the live part of the page on each event. */
const LIVE_SCRIPT = `(() => {
  const cfg = JSON.parse(document.getElementById('live-config').textContent)
  const box = document.getElementById('live')
  const state = () => box.querySelector('#run-state').dataset
  const norm = (text) => { const t = document.createElement('template'); t.innerHTML = text; return t.innerHTML }
  let last = box.innerHTML, busy = false, again = false, timer = 0, es = null, poll = 0
  const stop = () => { if (es) es.close(); clearInterval(poll) }
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 30) }
  async function refresh() {
    if (busy) { again = true; return }
    busy = true
    try {
      const res = await fetch(cfg.fragment, { credentials: 'same-origin', cache: 'no-store' })
      if (res.ok) {
        const text = norm(await res.text())
        if (text !== last) {
          const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.key))
          box.innerHTML = text
          last = text
          for (const d of box.querySelectorAll('details')) if (open.has(d.dataset.key)) d.open = true
          document.title = cfg.title + ' · ' + state().status
        }
        if (state().live !== 'true') stop()
      } else if (res.status === 401 || res.status === 403 || res.status === 404) stop()
    } catch (e) { /* the next event or poll tries again */ } finally {
      busy = false
      if (again) { again = false; soon() }
    }
  }
  if (state().live !== 'true') return
  es = new EventSource(cfg.events + '?after=' + state().seq)
  for (const t of cfg.types) es.addEventListener(t, soon)
  es.addEventListener('end', () => { es.close(); soon() })
  poll = setInterval(refresh, cfg.pollMs)
})()`

function page(
  reply: FastifyReply,
  status: number,
  title: string,
  viewer: Viewer | undefined,
  body: Html,
  script?: { config: unknown; code: string },
): FastifyReply {
  const nonce = randomBytes(16).toString('base64')
  return (
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin')
      // Scripts only with this response's nonce; styles inline (ANSI truecolor spans); fetch and SSE to this server only.
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      )
      .send(
        html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>${viewer ? html`<meta name="csrf-token" content="${viewer.csrf}">` : ''}<style>${trusted(CSS)}</style></head>
<body><header><a href="/runs"><strong>runbook</strong></a><a href="/runs">Runs</a>${
          viewer
            ? html`<span class="who">signed in as <strong id="who">${viewer.identity.name}</strong>${viewer.via === 'proxy' ? ' (proxy)' : ''}</span>${
                viewer.via === 'session'
                  ? html`<form method="post" action="/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Log out</button></form>`
                  : ''
              }`
            : ''
        }</header>
<main>${body}</main>${script ? html`<script type="application/json" id="live-config">${scriptJson(script.config)}</script><script nonce="${nonce}">${trusted(script.code.replace(/<\//g, '<\\/'))}</script>` : ''}</body></html>`
          .text,
      )
  )
}

const form = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {})
const one = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined

/** A path on this server to go back to after login: never another site (`//evil`, `https://...`). */
function safeNext(next: unknown): string {
  const n = one(next)
  return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') && !/[\r\n]/.test(n) ? n : '/runs'
}

export function pagesPlugin(service: RunService, sessions: Sessions) {
  return async function pages(app: FastifyInstance) {
    // Forms post urlencoded bodies; this parser lives in this plugin only (the API stays JSON-only).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    const record = (request: FastifyRequest, identity: string, code: ErrorCode, reason: string, runId: string | null = null) =>
      service.store.recordRefusal({
        at: Date.now(),
        identity,
        action: `${request.method} ${request.url.split('?')[0]}`,
        runId,
        code,
        reason,
      })

    const errorPage = (reply: FastifyReply, viewer: Viewer | undefined, status: number, code: string, message: string) =>
      page(
        reply,
        status,
        `${status} · runbook`,
        viewer,
        html`<section class="error-page"><h1>${status}</h1><p class="err" id="error">${code}: ${message}</p><p><a href="/runs">All runs</a></p></section>`,
      )

    app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
      const viewer = sessions.viewer(request)
      if (err instanceof RunbookError) return errorPage(reply, viewer, statusOf(err.code), err.code, err.message)
      if (err instanceof RunbookErrors) return errorPage(reply, viewer, statusOf(err.errors[0]!.code), err.errors[0]!.code, err.message)
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        await record(request, viewer?.identity.name ?? '(unauthenticated)', 'RB_BAD_REQUEST', err.message).catch(() => undefined)
        return errorPage(reply, viewer, err.statusCode, 'RB_BAD_REQUEST', err.message)
      }
      request.log.error({ err }, 'unexpected error')
      return errorPage(reply, viewer, 500, 'RB_INTERNAL', `internal error: ${err.message}`)
    })

    /** The viewer, or a redirect to the login form that comes back here. */
    const viewerOr = (request: FastifyRequest, reply: FastifyReply): Viewer | undefined => {
      const viewer = sessions.viewer(request)
      if (!viewer) void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303)
      return viewer
    }

    app.get('/', async (_request, reply) => reply.redirect('/runs', 303))

    const loginPage = (reply: FastifyReply, status: number, next: string, error?: string, viewer?: Viewer) =>
      page(
        reply,
        status,
        'Log in · runbook',
        viewer,
        html`<section class="login"><h1>Log in</h1>
${error ? html`<p class="err" id="login-error">${error}</p>` : ''}
${viewer ? html`<p>Signed in as <strong>${viewer.identity.name}</strong>. <a href="${next}">Continue</a></p>` : ''}
<form method="post" action="/login"><input type="hidden" name="next" value="${next}">
<label>API token <input type="password" name="token" id="token" autocomplete="off" required size="50"></label>
<button type="submit" id="login">Log in</button></form>
<p class="note">The token of your identity in access.yaml (or RUNBOOK_ADMIN_TOKEN). The browser keeps only a session cookie.</p></section>`,
      )

    app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) =>
      loginPage(reply, 200, safeNext(request.query.next), undefined, sessions.viewer(request)),
    )

    app.post('/login', async (request, reply) => {
      const body = form(request.body)
      const next = safeNext(body.next)
      const forged = sessions.forgery(request, undefined, undefined)
      if (forged) {
        await record(request, '(unauthenticated)', 'RB_FORBIDDEN', forged)
        return loginPage(reply, 403, next, forged)
      }
      const token = one(body.token)?.trim() ?? ''
      const identity = token === '' ? undefined : service.access.authenticate(token)
      if (!identity) {
        const reason = token === '' ? 'no token given' : 'unknown token'
        await record(request, '(unauthenticated)', 'RB_UNAUTHENTICATED', reason)
        // The token is never echoed back, not even into the form.
        return loginPage(reply, 401, next, `${reason}: paste the API token of your identity in access.yaml`)
      }
      const id = sessions.create(identity)
      const secure = request.protocol === 'https' ? '; Secure' : ''
      void reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(sessions.ttlMs / 1000)}${secure}`,
      )
      return reply.redirect(next, 303)
    })

    app.post('/logout', async (request, reply) => {
      const viewer = sessions.viewer(request)
      const forged = sessions.forgery(request, viewer, form(request.body).csrf)
      if (forged) {
        await record(request, viewer?.identity.name ?? '(unauthenticated)', 'RB_FORBIDDEN', forged)
        return errorPage(reply, viewer, 403, 'RB_FORBIDDEN', forged)
      }
      if (viewer?.session) sessions.end(viewer.session)
      void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
      return reply.redirect('/login', 303)
    })

    app.get<{ Querystring: Record<string, unknown> }>('/runs', async (request, reply) => {
      const viewer = viewerOr(request, reply)
      if (!viewer) return reply
      const q = request.query
      const runbook = one(q.runbook)?.trim() || undefined
      const host = one(q.host)?.trim() || undefined
      const status = one(q.status) || undefined
      const limitText = one(q.limit) || '50'
      const limit = Number(limitText)
      const bad =
        status !== undefined && !STATUSES.includes(status)
          ? `status '${status}' is not one of ${STATUSES.join(', ')}`
          : !/^[1-9][0-9]{0,2}$/.test(limitText)
            ? `limit must be 1 to 999, not '${limitText}'`
            : (runbook?.length ?? 0) > 200 || (host?.length ?? 0) > 255
              ? 'runbook or host filter too long'
              : undefined
      if (bad) {
        await record(request, viewer.identity.name, 'RB_BAD_REQUEST', bad)
        return errorPage(reply, viewer, 400, 'RB_BAD_REQUEST', bad)
      }
      const runs = await service.list(viewer.identity, {
        ...(runbook ? { runbook } : {}),
        ...(host ? { host } : {}),
        ...(status ? { status: status as ServiceRunStatus } : {}),
        limit,
      })
      const field = (name: string, label: string, value: string | undefined) =>
        html`<label>${label}<input name="${name}" id="f-${name}" value="${value ?? ''}"></label>`
      return page(
        reply,
        200,
        'Runs · runbook',
        viewer,
        html`<h1>Runs</h1>
<form method="get" action="/runs" class="filters">${field('runbook', 'runbook', runbook)}${field('host', 'host', host)}
<label>status<select name="status" id="f-status"><option value="">any</option>${STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`)}</select></label>
<label>limit<input name="limit" id="f-limit" value="${limitText}" size="4"></label><button type="submit" id="filter">Filter</button> <a href="/runs">clear</a></form>
${
  runs.length === 0
    ? html`<p id="no-runs">No runs${runbook || host || status ? ' match these filters' : ''}.</p>`
    : html`<table id="runs"><thead><tr><th>run</th><th>status</th><th>exit</th><th>runbook</th><th>host</th><th>mode</th><th>requested by</th><th>queued</th></tr></thead><tbody>${runs.map(
        (r) =>
          html`<tr data-run="${r.id}"><td><a href="/runs/${r.id}"><code>${r.id.slice(0, 8)}</code></a></td><td>${statusBadge(r.status)}</td><td>${r.exitCode ?? ''}</td><td>${r.runbook}</td><td>${r.host ?? ''}</td><td>${r.mode}</td><td>${r.requestedBy}</td><td>${new Date(
            r.createdAt,
          )
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, 'Z')}</td></tr>`,
      )}</tbody></table>`
}`,
      )
    })

    const runInput = async (viewer: Viewer, id: string, notice?: RunPageInput['notice']): Promise<RunPageInput> => {
      if (id.length > 64) throw new RunbookError('RB_NOT_FOUND', `no run ${id.slice(0, 64)}…`)
      const run = await service.run(viewer.identity, id)
      const view = await service.view(run)
      const events = (await service.store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)
      return {
        view,
        events,
        viewer: { name: viewer.identity.name, csrf: viewer.csrf },
        mayApprove: service.access.can(viewer.identity, 'approve', run.runbook, run.host),
        fourEyes: service.access.policy.fourEyes,
        ...(notice ? { notice } : {}),
      }
    }

    const runPage = (reply: FastifyReply, status: number, viewer: Viewer, input: RunPageInput) => {
      const title = `${input.view.runbook}${input.view.host ? ` on ${input.view.host}` : ''} · runbook`
      const body = html`<p><a href="/runs">← all runs</a> · <a href="/runs/${input.view.id}/transcript.jsonl">transcript</a></p>${notice(input)}<div id="live">${runLive(input)}</div>`
      return page(
        reply,
        status,
        `${title} · ${input.view.status}`,
        viewer,
        body,
        isLive(input.view.status)
          ? {
              config: {
                title,
                fragment: `/runs/${input.view.id}?part=live`,
                events: `/api/runs/${input.view.id}/events`,
                types: EVENT_TYPES,
                pollMs: LIVE_POLL_MS,
              },
              code: LIVE_SCRIPT,
            }
          : undefined,
      )
    }

    app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/runs/:id', async (request, reply) => {
      const viewer = viewerOr(request, reply)
      if (!viewer) return reply
      const notice = NOTICES[one(request.query.notice) ?? '']
      const input = await runInput(viewer, request.params.id, notice)
      if (one(request.query.part) === 'live') {
        return (
          reply
            .type('text/html; charset=utf-8')
            .header('cache-control', 'no-store')
            .header('x-content-type-options', 'nosniff')
            // Opened directly, the fragment runs nothing either.
            .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
            .send(runLive(input).text)
        )
      }
      return runPage(reply, 200, viewer, input)
    })

    app.get<{ Params: { id: string } }>('/runs/:id/transcript.jsonl', async (request, reply) => {
      const viewer = viewerOr(request, reply)
      if (!viewer) return reply
      const run = await service.run(viewer.identity, request.params.id)
      return reply
        .type('application/x-ndjson')
        .header('content-disposition', `attachment; filename="${run.runbook}-${run.id}.jsonl"`)
        .send(await service.store.exportTranscript(run.id))
    })

    app.post<{ Params: { id: string } }>('/runs/:id/approvals', async (request, reply) => {
      const viewer = sessions.viewer(request)
      const body = form(request.body)
      const forged = sessions.forgery(request, viewer, body.csrf)
      if (!viewer || forged) {
        const reason = forged ?? 'not signed in: log in first'
        await record(
          request,
          viewer?.identity.name ?? '(unauthenticated)',
          viewer ? 'RB_FORBIDDEN' : 'RB_UNAUTHENTICATED',
          reason,
          request.params.id,
        )
        return errorPage(reply, viewer, viewer ? 403 : 401, viewer ? 'RB_FORBIDDEN' : 'RB_UNAUTHENTICATED', reason)
      }
      const decision = one(body.decision)
      const planHash = one(body.planHash)
      if ((decision !== 'approve' && decision !== 'decline') || !planHash || planHash.length > 128) {
        const reason = 'the form must send decision (approve or decline) and planHash'
        await record(request, viewer.identity.name, 'RB_BAD_REQUEST', reason, request.params.id)
        return errorPage(reply, viewer, 400, 'RB_BAD_REQUEST', reason)
      }
      const id = request.params.id
      try {
        const { state } = await service.decide(viewer.identity, id, planHash, decision)
        return reply.redirect(`/runs/${encodeURIComponent(id)}?notice=${state}`, 303)
      } catch (err) {
        // Refused (recorded by the service): the run's page again, saying why.
        if (!(err instanceof RunbookError) || err.code === 'RB_NOT_FOUND') throw err
        const input = await runInput(viewer, id, { kind: 'error', text: `${err.code}: ${err.message}` })
        return runPage(reply, statusOf(err.code), viewer, input)
      }
    })
  }
}

/** For tests and the API's auth hook: the identity a page request carries, if any. */
export const pageIdentity =
  (sessions: Sessions) =>
  (request: FastifyRequest): Identity | undefined =>
    sessions.viewer(request)?.identity
