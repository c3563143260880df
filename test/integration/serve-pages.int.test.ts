/**
 * The web pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
 * no browser is downloaded). The service runs in-process on 127.0.0.1 with the local executor and
 * log-dir-full on temp log dirs; Chromium reaches nothing but that address.
 *
 * - A run's page updates live while the run goes on: the run's commands are held at a gate, the
 *   page loads, the gate opens, and the next steps and the final status appear without a reload.
 * - An apply run waits for approval: the requester's page shows no buttons (four-eyes); a second
 *   identity follows the run's link, logs in, clicks Approve, and the fix is applied (store and disk).
 *
 * Screenshots go to a temporary directory removed at the end; set RB_SCREENSHOT_DIR to keep them there.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalExecutorFactory } from '../../src/executors/local.ts'
import { buildServer } from '../../src/service/http/server.ts'
import type { ExecutorFactory } from '../../src/types.ts'
import { logParams, startService, TOKENS, type TestService } from '../unit/service/fixture.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  console.warn(
    `\n*** serve-pages browser test SKIPPED: ${CHROMIUM} is missing. Install Debian's chromium (npm run system-deps, as root) to run it. ***\n`,
  )
}

/** Commands wait here while the test holds the gate: the run stays mid-step for as long as the test wants. */
class Gate {
  #open: Promise<void> = Promise.resolve()
  #release: () => void = () => {}
  held = 0
  hold(): void {
    this.#open = new Promise((r) => (this.#release = r))
  }
  release(): void {
    this.#release()
  }
  async pass(): Promise<void> {
    this.held++
    await this.#open
  }
}

const gate = new Gate()

function gatedLocal(): ExecutorFactory {
  const inner = createLocalExecutorFactory()
  return {
    ...inner,
    executor: (host) => {
      const e = inner.executor(host)
      return {
        exec: async (spec, signal) => {
          await gate.pass()
          return e.exec(spec, signal)
        },
        close: () => e.close(),
      }
    },
    close: () => inner.close(),
  }
}

let t: TestService
let app: FastifyInstance
let base: string
let browser: Browser
let shots: string
const contexts: BrowserContext[] = []

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
}

async function submit(who: keyof typeof TOKENS, body: unknown): Promise<string> {
  const res = await fetch(`${base}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS[who]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { id: string }).id
}

/** A browser profile of its own per identity (cookies are not shared). */
async function as(who: keyof typeof TOKENS, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${base}${path}`)
  // Not logged in: the stable link leads to the login form, which comes back to it.
  expect(new URL(page.url()).pathname).toBe('/login')
  await page.fill('#token', TOKENS[who])
  await page.click('#login')
  await page.waitForURL(`${base}${path}`)
  await expect(page.textContent('#who')).resolves.toBe(who)
  return page
}

describe.skipIf(!haveChromium)('web pages in headless Chromium', () => {
  beforeAll(async () => {
    shots = process.env.RB_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'rb-pages-screenshots-'))
    mkdirSync(shots, { recursive: true })
    if (process.env.RB_SCREENSHOT_DIR) console.log(`serve-pages: screenshots in ${shots}`)
    t = await startService({ executors: gatedLocal })
    app = await buildServer(t.service)
    base = await app.listen({ host: '127.0.0.1', port: 0 })
    const { chromium } = await import('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })

  afterAll(async () => {
    gate.release()
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await app?.close()
    await t?.close()
    if (!process.env.RB_SCREENSHOT_DIR && shots) rmSync(shots, { recursive: true, force: true })
  })

  it('a run page updates live while the run goes on: steps appear after the page loaded, without a reload', async () => {
    const d = t.logDir('rotated')
    gate.hold()
    const id = await submit('alice', { runbook: 'log-dir-full', host: 'local', params: logParams(d) })
    const page = await as('vic', `/runs/${id}`)
    // The first step's commands are held: the page shows it running, and nothing after it.
    await page.waitForSelector('#step-usage[data-status="running"]')
    expect(await page.textContent('.summary .badge')).toBe('running')
    expect(await page.$('#step-largest')).toBeNull()
    await page.evaluate(() => ((globalThis as unknown as { loadedOnce: number }).loadedOnce = 1))
    await shot(page, '01-live-run-held-at-first-step')

    gate.release()
    await page.waitForSelector('#step-largest', { timeout: 15_000 })
    await page.waitForSelector('#run-state[data-status="fix-proposed"]', { state: 'attached', timeout: 15_000 })
    // Same document: it was updated in place, not reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: number }).loadedOnce)).toBe(1)
    expect(await page.textContent('.summary .badge')).toBe('fix-proposed')
    expect(await page.$$eval('li.step', (ls) => ls.map((l) => l.getAttribute('data-step')))).toEqual([
      'usage',
      'largest',
      'archive_rotated',
    ])
    const hash = (await t.service.store.events(id))
      .map((e) => JSON.parse(e.json) as { type: string; plan?: { hash: string } })
      .find((e) => e.type === 'fix.proposed')!.plan!.hash
    expect(await page.textContent('#plan-hash')).toBe(hash)
    expect((await t.service.store.getRun(id))!.status).toBe('fix-proposed')
    expect(gate.held).toBeGreaterThan(2)
    // Output is collapsed until opened.
    const details = page.locator('#step-largest details').first()
    expect(await details.getAttribute('open')).toBeNull()
    await details.locator('summary').click()
    await expect(details.locator('pre.stdout').textContent()).resolves.toMatch(/syslog\.1\.gz/)
    await shot(page, '02-live-run-finished-output-open')

    // The run list links to it, filtered.
    await page.goto(`${base}/runs?status=fix-proposed`)
    await expect(page.locator(`tr[data-run="${id}"] a`).getAttribute('href')).resolves.toBe(`/runs/${id}`)
    await shot(page, '03-run-list-filtered')
  }, 60_000)

  it('an apply run waits for approval; the requester gets no button; a second identity logs in from the link, clicks Approve, and the fix is applied', async () => {
    const d = t.logDir('rotated')
    const before = d.snapshot()
    const id = await submit('alice', { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' })
    const requester = await as('alice', `/runs/${id}`)
    // No event marks "waiting for approval": the page's poll picks the status up.
    await requester.waitForSelector('#run-state[data-status="waiting-approval"]', { state: 'attached', timeout: 15_000 })
    await expect(requester.textContent('#approval')).resolves.toMatch(/four-eyes/)
    expect(await requester.$('#approve')).toBeNull()
    await shot(requester, '04-requester-waiting-no-button')

    const approver = await as('bob', `/runs/${id}`)
    const hash = (await t.service.store.approvalRequest(id))!.planHash
    await expect(approver.textContent('#approve')).resolves.toBe(`Approve plan ${hash.slice(0, 12)}`)
    expect(await approver.textContent('#plan-hash')).toBe(hash)
    expect(d.snapshot()).toEqual(before)
    await shot(approver, '05-approver-sees-buttons')

    await approver.click('#approve')
    await approver.waitForURL(`${base}/runs/${id}?notice=approved`)
    await approver.waitForSelector('#run-state[data-status="fix-applied"]', { state: 'attached', timeout: 15_000 })
    await expect(approver.textContent('#notice')).resolves.toMatch(/Approved/)
    await expect(approver.textContent('#step-archive_rotated')).resolves.toMatch(/approved by bob/)
    await shot(approver, '06-approver-fix-applied')
    // The requester's page followed the run to its end by itself.
    await requester.waitForSelector('#run-state[data-status="fix-applied"]', { state: 'attached', timeout: 15_000 })
    await shot(requester, '07-requester-page-followed-live')

    const run = (await t.service.store.getRun(id))!
    expect([run.status, run.exitCode]).toEqual(['fix-applied', 5])
    expect((await t.service.store.approvals(id)).map((a) => [a.identity, a.decision, a.planHash])).toEqual([['bob', 'approve', hash]])
    // On disk: the rotated logs left the directory for the archive; the live log stayed.
    const after = d.snapshot()
    expect(
      Object.keys(after)
        .filter((f) => f.startsWith('/log/'))
        .sort(),
    ).toEqual(['/log/syslog'])
    expect(Object.keys(after)).toContain('/rotated.tar')
    expect(readdirSync(shots).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(7)
  }, 60_000)
})
