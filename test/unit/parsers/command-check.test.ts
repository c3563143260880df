/**
 * Parsers' command checks (parsers/command-check.ts): what each refuses at validation, and, as
 * much, the usual spellings each must accept (a false alarm would block a good runbook).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { invocations } from '../../../src/parsers/command-check.ts'
import { builtinParsers } from '../../../src/parsers/index.ts'
import { netstatParser } from '../../../src/parsers/netstat.ts'
import { ssParser } from '../../../src/parsers/ss.ts'
import { uptimeParser } from '../../../src/parsers/uptime.ts'
import { vmstatParser } from '../../../src/parsers/vmstat.ts'
import { FIXTURES } from './cases.ts'
import { duParser } from '../../../src/parsers/du.ts'
import { freeGParser, freeKParser, freeMParser, freeParser } from '../../../src/parsers/free.ts'
import { journalParser } from '../../../src/parsers/journal.ts'
import { pingParser } from '../../../src/parsers/ping.ts'
import type { Parser } from '../../../src/parsers/registry.ts'

const refused = (p: Parser, command: string) => p.checkCommand?.(command) ?? null

function accepts(p: Parser, commands: string[]): void {
  for (const c of commands) expect(refused(p, c), `${p.name}: ${c}`).toBeNull()
}

/** Each command is refused, pointing at the word `at` (its first occurrence). */
function refuses(p: Parser, cases: Array<[command: string, at: string]>): void {
  for (const [c, at] of cases) expect(refused(p, c)?.offset, `${p.name}: ${c}`).toBe(c.indexOf(at))
}

describe('invocations', () => {
  it('finds the program after assignments and wrappers, in every simple command, with its options up to --', () => {
    const calls = invocations('LC_ALL=C sudo -n timeout 5 /usr/bin/du -sk -- -b | sort -n; nice -n 5 du -h x', 'du')
    expect(calls.map((c) => [c.program.text, c.options.map((w) => w.text)])).toEqual([
      ['/usr/bin/du', ['-sk']],
      ['du', ['-h', 'x']],
    ])
    expect(invocations('echo du -sb; ls -b', 'du')).toEqual([])
    expect(invocations('du "-s b" x', 'du')[0]!.options.map((w) => w.text)).toEqual(['"-s b"', 'x'])
  })
})

describe('du', () => {
  it('accepts KiB, human and suffixed sizes', () => {
    accepts(duParser, [
      'du -sk /var/log',
      'du -sh /var/log',
      'du -skc a b',
      'du -s --si /x',
      'du -sBM /x',
      'du -s -B 1K /x',
      'du -s --block-size=1024 x',
      'du -s --apparent-size /x',
      'du -sk -- -b',
      'ls -b; du -sk /x',
      'sudo du -sk ${{ params.dir }}',
      'du -d1 -k /x | sort -n',
      'du -t 1M -sk /x',
      'du -s --exclude=*.bm /x',
    ])
  })

  it('refuses bytes, MiB, inodes and numbered block sizes: bare numbers that read as KiB', () => {
    refuses(duParser, [
      ['du -sb x', '-sb'],
      ['du --bytes -s x', '--bytes'],
      ['du -sm x', '-sm'],
      ['du --inodes -s x', '--inodes'],
      ['du -B1M -s x', '-B1M'],
      ['du -s -B 1M x', '-B'],
      ['du --block-size=1M x', '--block-size'],
      ['du -sB1 x', '-sB1'],
      ['timeout 5 du -sb x', '-sb'],
    ])
  })
})

describe('journal', () => {
  it('accepts -o json in its spellings', () => {
    accepts(journalParser, [
      'journalctl -u x -o json -n 5 --no-pager',
      'journalctl -ojson',
      'journalctl --output=json',
      'journalctl --output json -b',
      'sudo journalctl -o short -o json',
      'for u in a b; do journalctl -u "$u" -o json; done',
    ])
  })

  it('refuses the text formats', () => {
    refuses(journalParser, [
      ['journalctl -u x -n 50', 'journalctl'],
      ['journalctl -o short-iso -u x', '-o'],
      ['journalctl --output=json-pretty', '--output'],
    ])
  })
})

describe('ping', () => {
  it('accepts a count or a deadline', () => {
    accepts(pingParser, ['ping -c 3 h', 'ping -nc3 h', 'ping --count=2 h', 'ping -w 5 h', 'ping -n -c 1 -W 1 ${{ params.host }}'])
  })

  it('refuses a ping that runs until the timeout', () => {
    refuses(pingParser, [
      ['ping h', 'ping'],
      ['ping -n -W 1 h', 'ping'],
    ])
  })
})

describe('free', () => {
  it('free takes bytes or human sizes; free-k, -m, -g their own unit', () => {
    accepts(freeParser, ['free -b', 'free -h', 'free -bw', 'free --bytes -t', 'free -b -s 1 -c 3'])
    accepts(freeKParser, ['free', 'free -k', 'free -kw', 'free -t'])
    accepts(freeMParser, ['free -m', 'free -mt', 'free --mebi'])
    accepts(freeGParser, ['free -g'])
  })

  it('refuses --si, whose powers of 1000 read like KiB, MiB and GiB, unless the unit is bytes', () => {
    refuses(freeParser, [
      ['free -h --si', '--si'],
      ['free --si', '--si'],
    ])
    refuses(freeMParser, [['free -m --si', '--si']])
    accepts(freeParser, ['free -b --si'])
  })

  it('refuses a unit the parser would misread', () => {
    refuses(freeParser, [
      ['free', 'free'],
      ['free -m', '-m'],
      ['free -w -k', '-k'],
      ['free --mega', '--mega'],
    ])
    refuses(freeKParser, [
      ['free -m', '-m'],
      ['free -h', '-h'],
    ])
    refuses(freeMParser, [['free', 'free']])
    refuses(freeGParser, [['free -m', '-m']])
  })
})

describe('ss', () => {
  it('accepts numeric socket listings in their usual spellings', () => {
    accepts(ssParser, [
      'ss -tanp',
      'ss -Htlnp',
      'ss -tan state established',
      'ss -n -t -a -p',
      'ss --numeric -tap',
      'ss -anp -f inet',
      'sudo ss -tanpe',
    ])
  })
  it('refuses names without -n, and the summary', () => {
    refuses(ssParser, [
      ['ss -tap', 'ss'],
      ['LC_ALL=C ss -Htlp', 'ss'],
      ['ss -s', '-s'],
      ['ss -tans', '-tans'],
      ['ss --summary', '--summary'],
    ])
  })
})

describe('netstat', () => {
  it('accepts numeric socket listings', () => {
    accepts(netstatParser, [
      'netstat -antpW',
      'netstat -tunap',
      'netstat -anp',
      'netstat --numeric -tap',
      'netstat --numeric-hosts --numeric-ports -tap',
    ])
  })
  it('refuses names without -n, and the other reports', () => {
    refuses(netstatParser, [
      ['netstat -tap', 'netstat'],
      ['netstat --numeric-hosts -tap', 'netstat'],
      ['netstat -s', '-s'],
      ['netstat -in', '-in'],
      ['netstat -rn', '-rn'],
      ['netstat --route -n', '--route'],
      ['netstat -gn', '-gn'],
    ])
  })
})

describe('vmstat', () => {
  it('accepts the table and -s', () => {
    accepts(vmstatParser, ['vmstat', 'vmstat 1 5', 'vmstat -w -t -y 1 2', 'vmstat -a -S M 1 2', 'vmstat -SM', 'vmstat -s'])
  })
  it('refuses the disk, partition, slab and fork reports', () => {
    refuses(vmstatParser, [
      ['vmstat -d', '-d'],
      ['vmstat -D', '-D'],
      ['vmstat -p /dev/sda1', '-p'],
      ['vmstat -m', '-m'],
      ['vmstat --forks', '--forks'],
    ])
  })
})

describe('uptime', () => {
  it('accepts plain uptime, refuses -p and -s', () => {
    accepts(uptimeParser, ['uptime', 'LC_ALL=C uptime'])
    refuses(uptimeParser, [
      ['uptime -p', '-p'],
      ['uptime --pretty', '--pretty'],
      ['uptime -s', '-s'],
    ])
  })
})

describe('every captured fixture', () => {
  // The commands the fixtures were captured with are real, readable commands: no check may refuse
  // one, but these, kept to show what the parser would make of them.
  const REFUSED_ON_PURPOSE = new Set(['free: free -h --si']) // `25G` is 25e9 bytes, read as 25 GiB
  const byName = new Map(builtinParsers.map((p) => [p.name, p]))
  const folders = readdirSync(FIXTURES).filter((f) => byName.get(f)?.checkCommand)
  it('covers the parsers that check commands', () => {
    expect(folders).toEqual(expect.arrayContaining(['du', 'free', 'journal', 'ping', 'ss', 'netstat', 'vmstat', 'uptime']))
  })
  it.each(folders)("passes its parser's command check: %s", (folder) => {
    const parser = byName.get(folder)!
    const cmds = readdirSync(join(FIXTURES, folder))
      .filter((f) => f.endsWith('.cmd'))
      .map((f) => readFileSync(join(FIXTURES, folder, f), 'utf8').trim())
    expect(cmds.length).toBeGreaterThan(0)
    for (const c of cmds) {
      const problem = parser.checkCommand!(c)
      if (REFUSED_ON_PURPOSE.has(`${folder}: ${c}`)) expect(problem, `${folder}: ${c}`).not.toBeNull()
      else expect(problem, `${folder}: ${c}`).toBeNull()
    }
  })
})
