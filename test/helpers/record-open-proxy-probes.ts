/**
 * Records fixtures/open-proxy-probes/*.jsonl from REAL runs of the built CLI against the lab
 * scenario `proxy-probes` (root, Linux): a real Flask dev server on web1 that received real
 * CONNECT / absolute-URI requests from two bot addresses of the lab. One lab serves every case; the
 * last case sends one more real request (`GET http://example.com/`, which the site answers 200
 * with its own `/`) before it runs. Re-record after changing the runbook:
 * `npm run build && npx tsx test/helpers/record-open-proxy-probes.ts [case...]`.
 *
 * Only the lab's namespaces are touched (198.18.0.0/15): the host names in the requests are text.
 * Its own lab root, so a lab you have up is left alone; the lab is removed at the end, also on failure.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUp } from '../../src/lab/lab.ts'
import { botAddresses, PROXY_PROBES_LOG, request, sendRequests } from '../../src/lab/scenario-proxy-probes.ts'
import type { LabState } from '../../src/lab/state.ts'
import { judge, recordCases } from './record.ts'

const OUT = 'fixtures/open-proxy-probes'
const ROOT = '/run/runbook-lab-record-opp'
const LAB = 'rec'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }

export interface Case {
  name: string
  host: string
  /** Param `log`; a function of the lab when it names a lab file. Undefined: the runbook's default. */
  log?: string | ((state: LabState) => string)
  /** Real traffic sent just before the run. */
  before?: (state: LabState) => void
  expectExit: number
  outcome: string
}

/** A bot's absolute-URI request the site answers 200 (werkzeug routes `http://example.com/` to `/`). */
export const answeredProbe = (state: LabState): void => {
  const status = sendRequests(state, 'bastion', botAddresses(state)[0], 'web1', [
    request('GET http://example.com/ HTTP/1.1', 'example.com'),
  ])
  if (!/ 200 /.test(status[0] ?? '')) throw new Error(`expected 200 for GET http://example.com/, got ${JSON.stringify(status)}`)
}

export const CASES: Case[] = [
  { name: 'probes-refused', host: 'web1', log: PROXY_PROBES_LOG, expectExit: 3, outcome: 'probes_refused' },
  { name: 'no-probes', host: 'web2', log: PROXY_PROBES_LOG, expectExit: 0, outcome: 'no_probes' },
  { name: 'log-missing', host: 'web1', expectExit: 3, outcome: 'unreadable' },
  // The sshd log instead of the access log: read fine, but not an access log (a parse error).
  { name: 'not-an-access-log', host: 'web1', log: (s) => join(s.dir, 'hosts', 'web1', 'auth.log'), expectExit: 3, outcome: 'unreadable' },
  // Last: it adds a request to web1's log.
  {
    name: 'open-proxy-suspected',
    host: 'web1',
    log: PROXY_PROBES_LOG,
    before: answeredProbe,
    expectExit: 3,
    outcome: 'open_proxy_suspected',
  },
]

function record(c: Case, state: LabState, inventory: string): boolean {
  c.before?.(state)
  const transcript = join(OUT, `${c.name}.jsonl`)
  rmSync(transcript, { force: true })
  const log = typeof c.log === 'function' ? c.log(state) : c.log
  const args = [
    'bin/runbook.js',
    'run',
    'open-proxy-probes',
    '--host',
    c.host,
    '--inventory',
    inventory,
    ...(log === undefined ? [] : ['--param', `log=${log}`]),
    '--transcript',
    transcript,
    '--json',
  ]
  const r = spawnSync('node', args, { encoding: 'utf8', env: { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state') }, timeout: 120_000 })
  return judge(c, r)
}

async function main(): Promise<void> {
  // One lab for every case, brought up by the first one.
  let up: Awaited<ReturnType<typeof labUp>> | undefined
  await recordCases({
    script: 'record-open-proxy-probes',
    out: OUT,
    cases: CASES,
    record: async (c) => {
      up ??= await labUp('proxy-probes', { name: LAB, env })
      return record(c, up.state, up.inventory)
    },
    cleanup: async () => {
      await labDown({ name: LAB, env })
      rmSync(ROOT, { recursive: true, force: true })
    },
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
