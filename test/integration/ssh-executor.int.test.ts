/**
 * The SSH executor against real sshd hosts of a `healthy` lab: auth (key, agent), ProxyJump,
 * known_hosts strictness, every failure class from a real condition, timeouts, output caps,
 * channel queueing, and 200 commands over one connection.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExecError } from '../../src/errors.ts'
import { SshExecutorFactory } from '../../src/executors/pool.ts'
import { SshConfigFile } from '../../src/executors/ssh-config.ts'
import { loadInventory } from '../../src/inventory/load.ts'
import type { CommandSpec, Executor } from '../../src/types.ts'
import { announceSkip, hostPublicKey, startLab, type TestLab } from '../helpers/lab.ts'
import { execFailure } from '../helpers/exec-failure.ts'

const skip = announceSkip('ssh-executor.int.test.ts')
const ROOT = '/run/runbook-lab-test-ssh'

const spec = (command: string, timeoutMs = 5000): CommandSpec => ({ host: 'x', command, sudo: false, timeoutMs, mutating: false })

const failure = (p: Promise<unknown>): Promise<ExecError> => execFailure(p, 'the command ran')

describe.skipIf(skip)('ssh executor against a real lab', () => {
  let lab: TestLab
  let tmp: string
  const factories: SshExecutorFactory[] = []
  const factory = (opts: ConstructorParameters<typeof SshExecutorFactory>[0] = {}): SshExecutorFactory => {
    const f = new SshExecutorFactory({ agent: null, sshConfig: new SshConfigFile(''), ...opts })
    factories.push(f)
    return f
  }
  /** A factory for `root@<address>` targets using the lab's key and known_hosts. */
  const direct = (extra: ConstructorParameters<typeof SshExecutorFactory>[0] = {}): SshExecutorFactory =>
    factory({ inventory: loadInventory(lab.inventory), ...extra })

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rb-ssh-int-'))
    lab = await startLab(ROOT, 'healthy')
  })

  afterAll(async () => {
    for (const f of factories) await f.close().catch(() => {})
    await lab?.down()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('runs a command with key auth and reports stdout, stderr and exit code', async () => {
    const r = await direct()
      .executor(`root@${lab.address('web2')}`)
      .exec(spec('echo out; echo err >&2; exit 3'))
    expect(r).toMatchObject({ exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false })
  })

  it('gives remote commands a clean, fast shell (no pyenv init from the machine .bashrc)', async () => {
    const r = await direct()
      .executor(`root@${lab.address('web2')}`)
      .exec(spec('echo $HOME; cat ~/.bashrc'))
    expect(r.stdout).toContain('nothing slow here')
    expect(r.stdout).not.toContain('pyenv')
  })

  it('runs 200 commands over one connection, fast (TCP_NODELAY)', async () => {
    const f = direct()
    const target = `root@${lab.address('web2')}`
    const accepted = (): number =>
      (readFileSync(join(lab.dir, 'hosts', 'web2', 'auth.log'), 'utf8').match(/Accepted publickey/g) ?? []).length
    await f.executor(target).exec(spec('true'))
    // sshd's log reaches auth.log through the lab's log loop, late on a loaded machine: count the
    // logins only once the first one has landed and the count holds still.
    let before = accepted()
    for (let waited = 0; waited < 10_000; waited += 250) {
      await new Promise((r) => setTimeout(r, 250))
      const now = accepted()
      if (now === before && now > 0) break
      before = now
    }
    const took: number[] = []
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now()
      const r = await f.executor(target).exec(spec(`echo ${i}`))
      took.push(performance.now() - t0)
      expect(r.stdout).toBe(`${i}\n`)
    }
    expect(accepted()).toBe(before) // no new login: the same connection served all 200
    // The median, not the mean: Nagle delays every command by ~40 ms, while a busy CI machine
    // (2 cores shared by parallel lab tests) adds spikes to some of them only.
    const median = took.sort((a, b) => a - b)[100]!
    expect(median).toBeLessThan(20) // ~2-5 ms with TCP_NODELAY on an idle machine, ~44 ms without
  })

  it('does not ask the server to prove its host keys after login, as a bare ssh2 client does', async () => {
    // ssh2 answers OpenSSH's hostkeys-00 announcement with a hostkeys-prove-00 request: the server
    // signs with every host key, for a result nobody uses (executors/ssh.ts, declineHostKeyProofs).
    const require = createRequire(import.meta.url)
    const Protocol = require('ssh2/lib/protocol/Protocol.js') as { prototype: { openssh_hostKeysProve(keys: unknown[]): void } }
    const sent = Protocol.prototype.openssh_hostKeysProve
    let proofs = 0
    Protocol.prototype.openssh_hostKeysProve = function (this: unknown, keys: unknown[]) {
      proofs++
      sent.call(this, keys)
    }
    try {
      // The control: a bare ssh2 client on the same host asks once.
      await new Promise<void>((resolve, reject) => {
        const c = new ssh2.Client()
        c.on('ready', () =>
          c.exec('true', (err, ch) => {
            if (err) return reject(err)
            ch.resume().on('close', () => {
              c.end()
              resolve()
            })
          }),
        )
        c.on('error', reject)
        c.connect({ host: lab.address('web2'), username: 'root', privateKey: readFileSync(lab.key), hostVerifier: () => true })
      })
      expect(proofs).toBe(1)
      proofs = 0
      // The announcement comes right after login, before any channel: once a command has run on a
      // new connection, it has been handled.
      const r = await direct()
        .executor(`root@${lab.address('web2')}`)
        .exec(spec('echo ok'))
      expect(r.stdout).toBe('ok\n')
      expect(proofs).toBe(0)
    } finally {
      Protocol.prototype.openssh_hostKeysProve = sent
    }
  })

  it('runs parallel channels and queues past MaxSessions instead of failing', async () => {
    const f = direct()
    const target = `root@${lab.address('web2')}`
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => f.executor(target).exec(spec(`sleep 0.2; echo ${i}`))))
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `${i}\n`))
  })

  it('authenticates with ssh-agent (SSH_AUTH_SOCK) and no identity file', async () => {
    const sock = join(tmp, 'agent.sock')
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    try {
      for (let i = 0; i < 100 && spawnSync('test', ['-S', sock]).status !== 0; i++) await new Promise((r) => setTimeout(r, 20))
      expect(spawnSync('ssh-add', [lab.key], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status).toBe(0)
      const f = new SshExecutorFactory({ agent: sock, sshConfig: new SshConfigFile(''), env: {} })
      factories.push(f)
      const inv = loadInventory(lab.inventory)
      inv.defaults.identityFiles = [join(tmp, 'no-such-key')]
      const f2 = new SshExecutorFactory({ agent: sock, sshConfig: new SshConfigFile(''), inventory: inv, env: {} })
      factories.push(f2)
      const r = await f2.executor(`root@${lab.address('web2')}`).exec(spec('echo agent'))
      expect(r.stdout).toBe('agent\n')
    } finally {
      agent.kill('SIGTERM')
    }
  })

  it('goes through the bastion (inventory bastion) and through a multi-hop ProxyJump from ~/.ssh/config', async () => {
    const viaInventory = await direct().executor('web1').exec(spec('hostname -I'))
    expect(viaInventory.stdout.trim()).toBe(lab.address('web1'))
    const cfg = new SshConfigFile(
      [
        'Host target',
        `  HostName ${lab.address('web2')}`,
        '  User root',
        `  ProxyJump root@${lab.address('bastion')},root@${lab.address('web1')}`,
        `  IdentityFile ${lab.key}`,
        `  UserKnownHostsFile ${lab.knownHosts}`,
        // The hops are resolved through the config too, like OpenSSH does.
        'Host 198.18.*',
        `  IdentityFile ${lab.key}`,
        `  UserKnownHostsFile ${lab.knownHosts}`,
      ].join('\n'),
    )
    const f = factory({ sshConfig: cfg })
    expect(f.resolve('target').jump?.host).toBe(lab.address('web1'))
    expect(f.resolve('target').jump?.jump?.host).toBe(lab.address('bastion'))
    const r = await f.executor('target').exec(spec('hostname -I'))
    expect(r.stdout.trim()).toBe(lab.address('web2'))
  })

  it('release: a host the caller is done with disconnects now, a bastion of another host does not, a later command connects again', async () => {
    const f = direct()
    // $SSH_CONNECTION names the client's port: a new connection has another one.
    const via = async (host: string): Promise<string> => (await f.executor(host).exec(spec('echo $SSH_CONNECTION'))).stdout.trim()
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100))
    const web2 = await via('web2')
    f.release('web2')
    await settle()
    expect(await via('web2')).not.toBe(web2)
    const bastion = await via('bastion')
    const web1 = await via('web1') // through the bastion's connection
    f.release('web1')
    f.release('web2')
    await settle()
    // web1 is gone, but the bastion stays: the next host behind it may be connecting through it.
    f.release('bastion')
    await settle()
    expect(await via('bastion')).toBe(bastion)
    const web1Again = await via('web1')
    expect(web1Again).not.toBe(web1)
    expect(web1Again.split(' ')[0]).toBe(lab.address('bastion'))
    f.release('not-in-the-inventory.invalid') // a name that does not resolve: nothing to do, no throw
  })

  it('refuses a changed host key (host-key-mismatch) and shows the SHA256 fingerprint', async () => {
    const kh = join(tmp, 'wrong_known_hosts')
    const other = hostPublicKey(lab, 'web1').split(' ')
    writeFileSync(kh, `${lab.address('web2')} ${other[0]} ${other[1]}\n`)
    const inv = loadInventory(lab.inventory)
    inv.defaults.knownHostsFiles = [kh]
    const err = await failure(
      factory({ inventory: inv, acceptNewHostKeys: true })
        .executor(`root@${lab.address('web2')}`)
        .exec(spec('true')),
    )
    expect(err.kind).toBe('host-key-mismatch')
    const blob = Buffer.from(hostPublicKey(lab, 'web2').split(' ')[1]!, 'base64')
    const fp = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
    expect(err.detail.fingerprint).toBe(fp)
    expect(err.message).toContain(fp)
    expect(readFileSync(kh, 'utf8').split('\n').filter(Boolean)).toHaveLength(1) // TOFU never records a changed key
  })

  it('refuses an unknown host key by default, records it with acceptNewHostKeys, reads hashed entries', async () => {
    const kh = join(tmp, 'empty_known_hosts')
    writeFileSync(kh, '')
    const inv = loadInventory(lab.inventory)
    inv.defaults.knownHostsFiles = [kh]
    const target = `root@${lab.address('web2')}`
    const err = await failure(factory({ inventory: inv }).executor(target).exec(spec('true')))
    expect(err.kind).toBe('host-key-unknown')
    expect(err.detail.fingerprint).toMatch(/^SHA256:/)
    const r = await factory({ inventory: inv, acceptNewHostKeys: true }).executor(target).exec(spec('echo tofu'))
    expect(r.stdout).toBe('tofu\n')
    expect(readFileSync(kh, 'utf8')).toContain(`${lab.address('web2')} ssh-ed25519 `)
    // Hash it like HashKnownHosts does; strict checking still finds the key.
    expect(spawnSync('ssh-keygen', ['-H', '-f', kh]).status).toBe(0)
    expect(readFileSync(kh, 'utf8')).toMatch(/^\|1\|/)
    const again = await factory({ inventory: inv }).executor(target).exec(spec('echo hashed'))
    expect(again.stdout).toBe('hashed\n')
  })

  it('classifies a wrong user as auth-failed', async () => {
    const err = await failure(
      direct()
        .executor(`nobody-here@${lab.address('web2')}`)
        .exec(spec('true')),
    )
    expect(err.kind).toBe('auth-failed')
  })

  it('classifies a closed port as refused', async () => {
    const err = await failure(
      direct()
        .executor(`root@${lab.address('web2')}:2222`)
        .exec(spec('true')),
    )
    expect(err.kind).toBe('refused')
  })

  it('diagnoses a host whose firewall drops us as timeout within the configured connect timeout', async () => {
    const ns = lab.netns('web2')
    const rule = ['-I', 'INPUT', '-s', lab.up.state.operatorAddress, '-p', 'tcp', '--dport', '22', '-j', 'DROP']
    expect(spawnSync('ip', ['netns', 'exec', ns, 'iptables', '-w', ...rule]).status).toBe(0)
    try {
      const t0 = performance.now()
      const err = await failure(
        direct({ connectTimeoutMs: 800 })
          .executor(`root@${lab.address('web2')}`)
          .exec(spec('true')),
      )
      const elapsed = performance.now() - t0
      expect(err.kind).toBe('timeout')
      expect(elapsed).toBeGreaterThanOrEqual(700)
      expect(elapsed).toBeLessThan(2000)
    } finally {
      spawnSync('ip', ['netns', 'exec', ns, 'iptables', '-w', '-D', ...rule.slice(1)])
    }
  })

  it('classifies an unresolvable host name as dns (resolver on loopback, no outside traffic)', async () => {
    // A real DNS exchange with a local server that answers NXDOMAIN; the system resolver is not used
    // because it would query a nameserver outside this machine.
    const { createSocket } = await import('node:dgram')
    const { Resolver } = await import('node:dns')
    const server = createSocket('udp4')
    server.on('message', (msg, rinfo) => {
      const reply = Buffer.from(msg)
      reply[2] = 0x81 // response, recursion desired
      reply[3] = 0x83 // recursion available, NXDOMAIN
      reply.writeUInt16BE(0, 6) // no answers
      server.send(reply, rinfo.port, rinfo.address)
    })
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', r))
    try {
      const resolver = new Resolver()
      resolver.setServers([`127.0.0.1:${server.address().port}`])
      const lookup = ((host: string, _opts: unknown, cb: (err: Error | null, address?: string, family?: number) => void): void => {
        resolver.resolve4(host, (err, addrs) => (err ? cb(err) : cb(null, addrs[0], 4)))
      }) as unknown as NonNullable<ConstructorParameters<typeof SshExecutorFactory>[0]>['lookup']
      const err = await failure(direct({ lookup }).executor('root@no-such-host.lab.invalid').exec(spec('true')))
      expect(err.kind).toBe('dns')
    } finally {
      server.close()
    }
  })

  /**
   * A second sshd on web2, on `port`, with web2's config and `MaxSessions=maxSessions`; its known
   * host key goes to a file of its own. Stop it with `stop()`.
   */
  async function secondSshd(port: number, maxSessions: number): Promise<{ executor: Executor; stop(): void }> {
    const hostDir = join(lab.dir, 'hosts', 'web2')
    const pidFile = join(tmp, `sshd-${port}.pid`)
    const sshd = spawn(
      'ip',
      [
        'netns',
        'exec',
        lab.netns('web2'),
        '/usr/sbin/sshd',
        '-D',
        '-e',
        '-f',
        join(hostDir, 'sshd_config'),
        '-o',
        `Port=${port}`,
        '-o',
        `MaxSessions=${maxSessions}`,
        '-o',
        `PidFile=${pidFile}`,
        '-o',
        `AuthorizedKeysFile=${join(hostDir, 'home', '.ssh', 'authorized_keys')}`,
      ],
      { stdio: 'ignore' },
    )
    for (let i = 0; i < 100 && spawnSync('test', ['-f', pidFile]).status !== 0; i++) await new Promise((r) => setTimeout(r, 20))
    const inv = loadInventory(lab.inventory)
    inv.defaults.acceptNewHostKeys = true
    inv.defaults.knownHostsFiles = [join(tmp, `kh-${port}`)]
    return { executor: factory({ inventory: inv }).executor(`root@${lab.address('web2')}:${port}`), stop: () => sshd.kill('SIGTERM') }
  }

  it('classifies a server that refuses sessions as channel-failed', async () => {
    const none = await secondSshd(2201, 0) // no sessions at all
    try {
      const err = await failure(none.executor.exec(spec('true')))
      expect(err.kind).toBe('channel-failed')
    } finally {
      none.stop()
    }
  })

  it('on a server that allows one session (MaxSessions 1), commands queue, and a timed-out one still ends', async () => {
    const one = await secondSshd(2202, 1)
    const running = (cmd: string): boolean =>
      readdirSync('/proc').some((d) => {
        try {
          return /^\d+$/.test(d) && readFileSync(`/proc/${d}/cmdline`, 'utf8') === `${cmd.replace(/ /g, '\0')}\0`
        } catch {
          return false
        }
      })
    try {
      for (let i = 0; i < 3; i++) expect((await one.executor.exec(spec(`echo ${i}`))).stdout).toBe(`${i}\n`)
      const parallel = await Promise.all(Array.from({ length: 4 }, (_, i) => one.executor.exec(spec(`echo p${i}`))))
      expect(parallel.map((r) => r.stdout)).toEqual(['p0\n', 'p1\n', 'p2\n', 'p3\n'])
      // Registered with the keeper. The kill request needs a session, and the only one is the
      // command's until it ends: the server refuses it, runbook closes the connection, and the
      // keeper, seeing it go, kills the command.
      const cmd = `sleep 30.${process.pid}7`
      const r = await one.executor.exec(spec(cmd, 400))
      expect(r.timedOut).toBe(true)
      const deadline = Date.now() + 8000
      while (running(cmd) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50))
      expect(running(cmd)).toBe(false)
      expect((await one.executor.exec(spec('echo again'))).stdout).toBe('again\n') // a new connection
    } finally {
      one.stop()
    }
  })

  it('kills a command at its timeout and reports timedOut', async () => {
    const t0 = performance.now()
    const r = await direct()
      .executor(`root@${lab.address('web2')}`)
      .exec(spec('echo started; sleep 30', 400))
    expect(r.timedOut).toBe(true)
    expect(r.exitCode).toBeNull()
    expect(r.stdout).toBe('started\n')
    expect(performance.now() - t0).toBeLessThan(2500)
  })

  it('reports the signal that killed a command', async () => {
    const r = await direct()
      .executor(`root@${lab.address('web2')}`)
      .exec(spec('kill -TERM $$'))
    expect(r.exitCode).toBeNull()
    expect(r.signal).toBe('TERM')
  })

  it('caps output and says so', async () => {
    const r = await direct({ maxOutputBytes: 1000 })
      .executor(`root@${lab.address('web2')}`)
      .exec(spec('head -c 200000 /dev/zero | tr "\\0" x; echo done >&2'))
    expect(r.stdout.length).toBe(1000)
    expect(r.truncated).toBe(true)
    expect(r.exitCode).toBe(0)
  })

  it('wraps sudo: true commands in sudo -n', async () => {
    const r = await direct()
      .executor(`root@${lab.address('web2')}`)
      .exec({ ...spec('id -u; echo "$SUDO_USER"'), sudo: true })
    if (r.exitCode === 127) return // sudo not installed on this machine
    expect(r.stdout).toBe('0\nroot\n')
  })
})
