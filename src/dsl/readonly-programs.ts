/**
 * The read-only allow-list: each program a diagnostic may run, with the flags and verbs that keep
 * it read-only. A program not listed here is refused (an author can vouch for a command with
 * `readonly: "<why>"`). Wrappers (sudo, env, timeout, xargs, ...) say what they run, and shells
 * (`sh -c`, `eval`) hand back their script, so the check goes on inside them.
 */

/** One word of a command: its literal value (null when computed at run time), as written, where. */
export interface Arg {
  text: string | null
  raw: string
  offset: number
  /** The syntax node type of the word (`raw_string` for '...'). */
  rawNode?: string
}

export type Verdict = null | { why: string; at?: Arg } | { runs: Arg[] } | { script: Arg } | { scripts: Arg[][] }

type Rule = (args: Arg[]) => Verdict

const ok: Rule = () => null
const t = (a: Arg | undefined): string => a?.text ?? ''

/** Options as written: `-abc` (each letter), `--long[=v]`; stops at `--` and, if asked, at the first operand. */
interface Parsed {
  short: Map<string, Arg>
  long: Map<string, Arg>
  operands: Arg[]
  /** Index in args of the first operand (the wrapped command for wrappers). */
  rest: number
}

function parse(args: Arg[], opts: { withArg?: string; longWithArg?: string[]; stopAtOperand?: boolean } = {}): Parsed {
  const short = new Map<string, Arg>()
  const long = new Map<string, Arg>()
  const operands: Arg[] = []
  let rest = args.length
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const v = a.text ?? ''
    // `${conf:+-c "$conf"}`: expands to nothing or to an option (its literal text starts with -).
    if (a.text === null && /^\$\{\w+:?\+-/.test(a.raw)) continue
    if (v === '--') {
      rest = Math.min(rest, i + 1)
      operands.push(...args.slice(i + 1))
      break
    }
    if (v.startsWith('--') && a.text !== null) {
      const name = v.slice(2).split('=')[0]!
      long.set(name, a)
      if (!v.includes('=') && opts.longWithArg?.includes(name)) i++
      continue
    }
    if (v.startsWith('-') && v.length > 1 && a.text !== null && !/^-\d/.test(v)) {
      for (let j = 1; j < v.length; j++) {
        short.set(v[j]!, a)
        if (opts.withArg?.includes(v[j]!)) {
          if (j === v.length - 1) i++
          break
        }
      }
      continue
    }
    if (opts.stopAtOperand) {
      rest = i
      operands.push(...args.slice(i))
      break
    }
    operands.push(a)
  }
  return { short, long, operands, rest }
}

const has = (p: Parsed, shorts: string, longs: string[] = []): Arg | undefined => {
  for (const c of shorts) if (p.short.has(c)) return p.short.get(c)
  for (const l of longs) if (p.long.has(l)) return p.long.get(l)
  for (const [k, v] of p.long) if (longs.some((l) => l.endsWith('*') && k.startsWith(l.slice(0, -1)))) return v
  return undefined
}

const refuse = (why: string, at?: Arg): Verdict => (at ? { why, at } : { why })

/** Refuse any of these options. */
const without =
  (shorts: string, longs: string[], why: string, withArg = '', longWithArg: string[] = []): Rule =>
  (args) => {
    const p = parse(args, { withArg, longWithArg })
    const bad = has(p, shorts, longs)
    return bad ? refuse(why, bad) : null
  }

/** `prog VERB ...`: the first operand must be a read verb (none means the default, read-only). */
const verbs =
  (read: string[], withArg = '', longWithArg: string[] = [], why = 'changes state'): Rule =>
  (args) => {
    const p = parse(args, { withArg, longWithArg })
    const verb = p.operands[0]
    if (!verb || read.includes(t(verb))) return null
    return refuse(verb.text === null ? 'has a verb computed at run time' : why, verb)
  }

/** A wrapper: options (some taking a value), then the command it runs. */
const wrapper =
  (withArg = '', longWithArg: string[] = [], skip = 0, refuseOpts = ''): Rule =>
  (args) => {
    const p = parse(args, { withArg, longWithArg, stopAtOperand: true })
    const bad = has(p, refuseOpts)
    if (bad) return refuse('changes another process', bad)
    return { runs: p.operands.slice(skip) }
  }

const shell: Rule = (args) => {
  const p = parse(args, { withArg: 'oO', stopAtOperand: true })
  if (p.short.has('c')) {
    const script = p.operands[0]
    return script ? { script } : refuse('has no script after -c')
  }
  return refuse('runs a script from a file or from standard input, which the check cannot see')
}

const SYSTEMCTL_READ = [
  'status',
  'show',
  'cat',
  'is-active',
  'is-enabled',
  'is-failed',
  'is-system-running',
  'list-units',
  'list-unit-files',
  'list-sockets',
  'list-timers',
  'list-jobs',
  'list-dependencies',
  'list-machines',
  'list-automounts',
  'list-paths',
  'get-default',
  'show-environment',
  'help',
]
const IPTABLES_WRITE_SHORT = 'ADIRFZNXPE'
const IPTABLES_WRITE_LONG = [
  'append',
  'delete',
  'insert',
  'replace',
  'flush',
  'zero',
  'new-chain',
  'delete-chain',
  'policy',
  'rename-chain',
]
const IP_READ_VERBS = ['show', 'list', 'lst', 'ls', 'sh', 'get', 'monitor', 'identify', 'pids', 'help']

const iptables: Rule = (args) => {
  const p = parse(args, { withArg: 'tjpsdiogmW', longWithArg: ['table', 'jump', 'wait', 'source', 'destination'] })
  const bad = has(p, IPTABLES_WRITE_SHORT, IPTABLES_WRITE_LONG)
  return bad ? refuse('changes firewall rules', bad) : null
}

const ip: Rule = (args) => {
  const p = parse(args, { withArg: 'nfbl', longWithArg: ['netns', 'family', 'batch', 'loops'] })
  if (has(p, 'b', ['batch'])) return refuse('runs commands from a batch file', has(p, 'b', ['batch']))
  const [object, verb] = p.operands
  if (!object || !verb) return null
  if (t(object) === 'netns' && t(verb) === 'exec') return { runs: p.operands.slice(3) }
  if (IP_READ_VERBS.includes(t(verb)) || t(object).startsWith('mon')) return null
  // `ip route get ADDR`, `ip addr show dev eth0`: read verbs; `ip link set`, `ip addr add`: writes.
  return [
    'add',
    'del',
    'delete',
    'set',
    'change',
    'replace',
    'flush',
    'append',
    'prepend',
    'restore',
    'save',
    'exec',
    'attach',
    'detach',
    'up',
    'down',
  ].includes(t(verb)) || verb.text === null
    ? refuse('changes networking', verb)
    : null
}

const nft: Rule = (args) => {
  const p = parse(args, { withArg: 'fIDo', longWithArg: ['file', 'includepath', 'define', 'optimize'] })
  if (has(p, 'f', ['file'])) return has(p, 'c', ['check']) ? null : refuse('loads rules from a file', has(p, 'f', ['file']))
  const words = p.operands.flatMap((a) => (a.text ?? '').split(/\s+/).filter(Boolean))
  if (words.length === 0) return refuse('reads commands from standard input')
  return ['list', 'describe', 'monitor', 'help', '--version', '-v'].includes(words[0]!) ? null : refuse('changes nftables', p.operands[0])
}

const sed: Rule = (args) => {
  const p = parse(args, { withArg: 'efl', longWithArg: ['expression', 'file', 'line-length'] })
  const inPlace = has(p, 'i', ['in-place'])
  if (inPlace) return refuse('edits files in place', inPlace)
  if (has(p, 'f', ['file'])) return refuse('runs a sed script from a file, which the check cannot see', has(p, 'f', ['file']))
  // The script: -e values, else the first operand. `w file`, `s///w file` and `e` write or execute.
  const scripts = args
    .filter((a, i) => i > 0 && ['-e', '--expression'].includes(t(args[i - 1])))
    .concat(p.short.has('e') ? [] : p.operands.slice(0, 1))
  for (const s of scripts) {
    if (s.text === null) continue
    if (/(^|[;{}\n]|\/[gpIiMm0-9]*)\s*[wWe](\s|$)/.test(s.text))
      return refuse('writes a file or runs a command from its script (w, W or e)', s)
  }
  return null
}

const awk: Rule = (args) => {
  const p = parse(args, { withArg: 'fvFi', longWithArg: ['file', 'assign', 'field-separator', 'include'] })
  if (has(p, 'f', ['file'])) return refuse('runs an awk program from a file, which the check cannot see', has(p, 'f', ['file']))
  if (has(p, 'i', ['include'])) return refuse('loads an awk extension (e.g. inplace)', has(p, 'i', ['include']))
  const program = p.operands[0]
  if (!program || program.text === null) return refuse('runs an awk program computed at run time', program)
  if (
    /\bsystem\s*\(|\|\s*getline|\b(print|printf)\b[^;}\n]*[>|]|\bfflush\b/.test(
      program.text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\(\s*[^()]*>[^()]*\)/g, '()'),
    )
  ) {
    return refuse('writes a file or runs a command from its program (system(), print > file, print | cmd)', program)
  }
  return null
}

const tee: Rule = (args) => {
  const p = parse(args)
  const file = p.operands.find((a) => !/^\/dev\/(null|stdout|stderr)$/.test(t(a)))
  return file ? refuse('writes a file', file) : null
}

const curl: Rule = (args) => {
  const p = parse(args, {
    withArg: 'XdFTocDKuUHAeEwmbrxyYzCQ',
    longWithArg: [
      'request',
      'data',
      'data-raw',
      'data-binary',
      'data-urlencode',
      'form',
      'upload-file',
      'output',
      'cookie-jar',
      'dump-header',
      'config',
      'json',
      'user',
      'header',
      'max-time',
      'connect-timeout',
      'resolve',
      'proxy',
      'cacert',
      'cert',
      'key',
      'write-out',
      'user-agent',
      'referer',
      'retry',
    ],
  })
  const method =
    args.find((a, i) => i > 0 && ['-X', '--request'].includes(t(args[i - 1]))) ??
    [...p.long.values()].find((a) => t(a).startsWith('--request='))
  const m = method ? (t(method).includes('=') ? t(method).split('=')[1]! : t(method)).toUpperCase() : 'GET'
  if (!['GET', 'HEAD', 'OPTIONS'].includes(m)) return refuse(`sends a ${m} request`, method)
  const body = has(p, 'dFT', [
    'data',
    'data-raw',
    'data-binary',
    'data-urlencode',
    'data-ascii',
    'form',
    'form-string',
    'upload-file',
    'json',
  ])
  if (body) return refuse('sends a request body or uploads a file', body)
  const out = args.find(
    (a, i) =>
      i > 0 &&
      ['-o', '--output', '-c', '--cookie-jar', '-D', '--dump-header', '--trace', '--trace-ascii', '--libcurl'].includes(t(args[i - 1])) &&
      !['-', '/dev/null'].includes(t(a)),
  )
  if (out) return refuse('writes a file', out)
  const remote = has(p, 'OJ', ['remote-name', 'remote-name-all', 'remote-header-name', 'output-dir', 'create-dirs'])
  return remote ? refuse('writes a file', remote) : null
}

const wget: Rule = (args) => {
  const p = parse(args, {
    withArg: 'OoaPtTwUe',
    longWithArg: ['output-document', 'output-file', 'method', 'post-data', 'post-file', 'body-data', 'header'],
  })
  const write = has(p, '', ['method', 'post-data', 'post-file', 'body-data', 'body-file'])
  if (write) return refuse('sends a request body', write)
  if (has(p, '', ['spider'])) return null
  // -O FILE, -qO FILE, -qO-, --output-document=FILE, --output-document FILE
  let target: string | undefined
  args.forEach((a, i) => {
    const v = t(a)
    const m = /^-[a-zA-Z]*O(.*)$/.exec(v) ?? /^--output-document(?:=(.*))?$/.exec(v)
    if (m) target = m[1] ? m[1] : t(args[i + 1])
  })
  if (target === '-' || target === '/dev/null') return null
  return refuse('saves what it downloads to a file (use -O - or --spider)', args[0])
}

const find: Rule = (args) => {
  const scripts: Arg[][] = []
  for (let i = 0; i < args.length; i++) {
    const v = t(args[i])
    if (v === '-delete') return refuse('deletes files', args[i])
    if (/^-f(print0?|printf|ls)$/.test(v)) return refuse('writes a file', args[i])
    if (/^-(exec|execdir|ok|okdir)$/.test(v)) {
      const end = args.findIndex((a, j) => j > i && [';', '+', '\\;'].includes(t(a)))
      scripts.push(args.slice(i + 1, end === -1 ? undefined : end).filter((a) => t(a) !== '{}' || true))
      if (end === -1) break
      i = end
    }
  }
  return scripts.length > 0 ? { scripts } : null
}

const xargs: Rule = (args) => {
  const p = parse(args, {
    withArg: 'adEeIiLlnPs',
    longWithArg: ['arg-file', 'delimiter', 'eof', 'replace', 'max-lines', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
    stopAtOperand: true,
  })
  const runs = p.operands
  // Without a command xargs runs echo.
  return { runs: runs.length > 0 ? runs : [] }
}

const sudo: Rule = (args) => {
  const p = parse(args, {
    withArg: 'ugCDhprtTU',
    longWithArg: ['user', 'group', 'close-from', 'chdir', 'host', 'prompt', 'role', 'type', 'command-timeout', 'other-user'],
    stopAtOperand: true,
  })
  const edit = has(p, 'e', ['edit'])
  if (edit) return refuse('edits files (sudoedit)', edit)
  const runs = p.operands.filter((a, i) => !(i < p.operands.findIndex((x) => !/^\w+=/.test(t(x))) && /^\w+=/.test(t(a))))
  if (runs.length === 0 && has(p, 'is', ['login', 'shell'])) return refuse('opens an interactive shell', has(p, 'is', ['login', 'shell']))
  return { runs }
}

const env: Rule = (args) => {
  const p = parse(args, { withArg: 'uCS', longWithArg: ['unset', 'chdir', 'split-string'], stopAtOperand: true })
  const split = has(p, 'S', ['split-string'])
  if (split) return refuse('splits a string into a command, which the check cannot follow', split)
  const i = p.operands.findIndex((a) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(t(a)))
  return { runs: i === -1 ? [] : p.operands.slice(i) }
}

const timeout: Rule = (args) => {
  const p = parse(args, { withArg: 'sk', longWithArg: ['signal', 'kill-after'], stopAtOperand: true })
  return { runs: p.operands.slice(1) }
}

const su: Rule = (args) => {
  const i = args.findIndex((a) => ['-c', '--command'].includes(t(a)))
  if (i === -1) return refuse('opens an interactive shell')
  const script = args[i + 1]
  return script ? { script } : refuse('has no command after -c')
}

const evalRule: Rule = (args) => {
  if (args.length === 0) return null
  if (args.some((a) => a.text === null))
    return refuse(
      'evaluates text computed at run time',
      args.find((a) => a.text === null),
    )
  return {
    script: { text: args.map((a) => a.text).join(' '), raw: args.map((a) => a.raw).join(' '), offset: args[0]!.offset, rawNode: 'eval' },
  }
}

const onlyWith =
  (shorts: string, longs: string[], why: string, withArg = ''): Rule =>
  (args) => {
    const p = parse(args, { withArg })
    return has(p, shorts, longs) ? null : refuse(why, args[0])
  }

const atMostOperands =
  (n: number, why: string, withArg = ''): Rule =>
  (args) => {
    const p = parse(args, { withArg })
    return p.operands.length > n ? refuse(why, p.operands[n]) : null
  }

const busybox: Rule = (args) => ({ runs: args })

/** `ssh [opts] host [command...]`: the remote command is checked like a local one. */
const ssh: Rule = (args) => {
  const p = parse(args, { withArg: 'BbcDEeFIiJLlmOopQRSWw', stopAtOperand: true })
  const forward = has(p, 'LRDMNfW')
  if (forward) return refuse('forwards ports or runs in the background', forward)
  const command = p.operands.slice(1)
  if (command.length === 0) return refuse('opens an interactive login (give it a command)', p.operands[0] ?? args[0])
  if (command.some((a) => a.text === null))
    return refuse(
      'runs a remote command computed at run time',
      command.find((a) => a.text === null),
    )
  return {
    script: {
      text: command.map((a) => a.text).join(' '),
      raw: command.map((a) => a.raw).join(' '),
      offset: command[0]!.offset,
      rawNode: 'ssh',
    },
  }
}

/** Program → rule. Keys are command names as the shell sees them (basename for absolute paths). */
export const PROGRAMS: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  // Text and files, read-only whatever the flags.
  ...[
    'cat',
    'tac',
    'head',
    'tail',
    'wc',
    'cut',
    'tr',
    'paste',
    'join',
    'comm',
    'nl',
    'fold',
    'expand',
    'unexpand',
    'rev',
    'od',
    'hexdump',
    'strings',
    'column',
    'fmt',
    'pr',
    'grep',
    'egrep',
    'fgrep',
    'zgrep',
    'zegrep',
    'zfgrep',
    'zcat',
    'bzcat',
    'xzcat',
    'zstdcat',
    'lz4cat',
    'base64',
    'base32',
    'md5sum',
    'sha1sum',
    'sha224sum',
    'sha256sum',
    'sha384sum',
    'sha512sum',
    'b2sum',
    'cksum',
    'sum',
    'cmp',
    'diff',
    'diff3',
    'ls',
    'dir',
    'vdir',
    'stat',
    'readlink',
    'realpath',
    'basename',
    'dirname',
    'file',
    'which',
    'whereis',
    'seq',
    'jq',
    'less',
    'more',
    'id',
    'whoami',
    'groups',
    'users',
    'who',
    'w',
    'logname',
    'tty',
    'uname',
    'hostid',
    'arch',
    'nproc',
    'getconf',
    'locale',
    'printenv',
    'uptime',
    'free',
    'vmstat',
    'iostat',
    'mpstat',
    'pidstat',
    'sar',
    'ps',
    'pgrep',
    'pidof',
    'top',
    'lsof',
    'ss',
    'netstat',
    'lsblk',
    'blkid',
    'findmnt',
    'df',
    'du',
    'lscpu',
    'lsmem',
    'lspci',
    'lsusb',
    'lsmod',
    'modinfo',
    'lsns',
    'lslocks',
    'lslogins',
    'ipcs',
    'getent',
    'dig',
    'host',
    'nslookup',
    'ping',
    'ping6',
    'traceroute',
    'traceroute6',
    'tracepath',
    'tracepath6',
    'mtr',
    'last',
    'lastb',
    'getfacl',
    'lsattr',
    'namei',
    'iptables-save',
    'ip6tables-save',
    'iptables-legacy-save',
    'ip6tables-legacy-save',
    'iptables-nft-save',
    'ip6tables-nft-save',
    'sensors',
    'getcap',
    'getenforce',
    'sestatus',
    'aa-status',
    'apt-cache',
    'dpkg-query',
    'pg_isready',
    'lvs',
    'vgs',
    'pvs',
    'lvdisplay',
    'vgdisplay',
    'pvdisplay',
    'numfmt',
    'expr',
  ].map((p): [string, Rule] => [p, ok]),
  // Read-only only with the right flags or verbs.
  [
    'sort',
    without('o', ['output'], 'writes its output to a file', 'kSTt', [
      'key',
      'buffer-size',
      'temporary-directory',
      'field-separator',
      'parallel',
    ]),
  ],
  ['uniq', atMostOperands(1, 'writes its output to a file (second operand)', 'fsw')],
  ['iconv', without('o', ['output'], 'writes its output to a file', 'ft', ['from-code', 'to-code'])],
  ['xxd', atMostOperands(1, 'writes its output to a file (second operand)', 'cglosC')],
  ['tee', tee],
  ['sed', sed],
  ...['awk', 'gawk', 'mawk', 'nawk'].map((p): [string, Rule] => [p, awk]),
  ['find', find],
  ['curl', curl],
  ['wget', wget],
  [
    'systemctl',
    verbs(
      SYSTEMCTL_READ,
      'pPtHMnos',
      ['property', 'type', 'state', 'host', 'machine', 'lines', 'output', 'signal', 'root', 'what', 'kill-whom', 'job-mode'],
      'changes systemd units',
    ),
  ],
  [
    'journalctl',
    without(
      '',
      [
        'vacuum-size',
        'vacuum-time',
        'vacuum-files',
        'rotate',
        'flush',
        'sync',
        'relinquish-var',
        'smart-relinquish-var',
        'setup-keys',
        'update-catalog',
      ],
      'changes the journal',
    ),
  ],
  ...['iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy', 'iptables-nft', 'ip6tables-nft', 'ebtables', 'arptables'].map(
    (p): [string, Rule] => [p, iptables],
  ),
  ['nft', nft],
  [
    'ipset',
    verbs(
      ['list', '-L', '-l', 'save', '-S', 'test', '-T', 'version', '-v', '-V', 'help', '-h', '-n', '-name'],
      'ot',
      ['output'],
      'changes ipsets',
    ),
  ],
  [
    'fail2ban-client',
    verbs(
      ['status', 'ping', 'get', 'banned', 'version', 'help', 'echo', 'stats'],
      'cspt',
      ['conf', 'socket', 'pidfile', 'timeout'],
      'changes fail2ban',
    ),
  ],
  ['ip', ip],
  ['bridge', ip],
  ['tc', ip],
  [
    'sysctl',
    (args) => {
      const p = parse(args, { withArg: 'p', longWithArg: ['load', 'pattern'] })
      const bad = has(p, 'wpf', ['write', 'load', 'system'])
      if (bad) return refuse('changes kernel settings', bad)
      const set = p.operands.find((a) => t(a).includes('='))
      return set ? refuse('changes kernel settings', set) : null
    },
  ],
  [
    'date',
    (args) => {
      const p = parse(args, { withArg: 'dfrI', longWithArg: ['date', 'file', 'reference'] })
      const set = has(p, 's', ['set']) ?? p.operands.find((a) => !t(a).startsWith('+'))
      return set ? refuse('sets the clock', set) : null
    },
  ],
  [
    'hostname',
    (args) => {
      const p = parse(args)
      const set = has(p, 'bF', ['boot', 'file']) ?? p.operands[0]
      return set ? refuse('sets the host name', set) : null
    },
  ],
  [
    'dmesg',
    without('cCnDE', ['clear', 'read-clear', 'console-level', 'console-off', 'console-on'], 'changes the kernel log', 'fFlsk', [
      'facility',
      'file',
      'level',
      'buffer-size',
    ]),
  ],
  [
    'mount',
    (args) =>
      parse(args, { withArg: 'tOo', longWithArg: ['types', 'test-opts', 'options'] }).operands.length > 0 ||
      args.some((a) => ['-a', '--all'].includes(t(a)))
        ? refuse('mounts a filesystem', args[0])
        : null,
  ],
  // Only a port check: nc otherwise sends its input to a service (`echo FLUSHALL | nc redis 6379`).
  ...['nc', 'ncat', 'netcat'].map((p): [string, Rule] => [
    p,
    onlyWith('z', ['zero'], 'sends data to a network service (only -z checks a port)', 'wWsspqiIO'),
  ]),
  ['swapon', onlyWith('s', ['show', 'summary'], 'enables swap (only --show or --summary read)')],
  ['ssh', ssh],
  [
    'kill',
    (args) =>
      args.some((a) => ['-0', '-l', '-L', '--list', '--table'].includes(t(a))) ? null : refuse('sends a signal to a process', args[0]),
  ],
  ['crontab', onlyWith('l', ['list'], 'changes a crontab (only -l reads)', 'u')],
  ['chage', onlyWith('l', ['list'], 'changes password aging (only -l reads)')],
  ['passwd', onlyWith('S', ['status'], 'changes a password (only -S reads)')],
  ['lastlog', without('CS', ['clear', 'set'], 'changes the lastlog', 'bturT', ['before', 'time', 'user'])],
  [
    'tar',
    (args) => {
      const first = t(args[0])
      const list = /^-?[A-Za-z]*t/.test(first) || args.some((a) => ['--list', '-t'].includes(t(a)))
      const write =
        args.some((a) => /^--(create|extract|get|append|update|delete|concatenate)$/.test(t(a))) || /^-?[A-Za-z]*[cxruA]/.test(first)
      return list && !write ? null : refuse('writes files (only -t lists an archive)', args[0])
    },
  ],
  ...['gzip', 'gunzip', 'bzip2', 'bunzip2', 'xz', 'unxz', 'zstd', 'unzstd', 'lz4'].map((p): [string, Rule] => [
    p,
    onlyWith('clt', ['stdout', 'to-stdout', 'list', 'test'], 'writes (de)compressed files (only -c, -l or -t read)'),
  ]),
  ['unzip', onlyWith('ltpvZ', [], 'writes extracted files (only -l, -t, -p, -v or -Z read)')],
  [
    'openssl',
    (args) => {
      const sub = t(args[0])
      if (
        ![
          's_client',
          'x509',
          'version',
          'verify',
          'crl',
          'ciphers',
          'list',
          'dgst',
          'asn1parse',
          'req',
          'rsa',
          'ec',
          'pkey',
          'pkcs7',
          'sess_id',
          'errstr',
          'speed',
        ].includes(sub)
      )
        return refuse(`'openssl ${sub}' is not a read-only subcommand`, args[0])
      const out = args.find((a) => ['-out', '-keyout', '-new', '-newkey', '-writerand', '-sess_out'].includes(t(a)))
      return out ? refuse('writes a file or a key', out) : null
    },
  ],
  ['ssh-keygen', onlyWith('lFyLQ', [], 'writes keys or known_hosts (only -l, -F, -y, -L, -Q read)', 'fE')],
  ['sshd', onlyWith('TtG', [], 'starts an sshd (only -T, -t or -G test the configuration)', 'fCcdEghkoOpu')],
  ['nginx', onlyWith('tTvV', [], 'starts or signals nginx (only -t, -T, -v, -V read)', 'cgps')],
  ...['apachectl', 'apache2ctl'].map((p): [string, Rule] => [
    p,
    (args) =>
      args.some((a) => ['-t', '-S', '-M', '-v', '-V', 'configtest', '-D'].includes(t(a))) &&
      !args.some((a) => ['start', 'stop', 'restart', 'graceful', 'graceful-stop', '-k'].includes(t(a)))
        ? null
        : refuse('starts or signals apache', args[0]),
  ]),
  [
    'ethtool',
    without(
      'sKACGLEfrWUNX',
      [
        'change',
        'features',
        'offload',
        'pause',
        'coalesce',
        'set-ring',
        'set-channels',
        'change-eeprom',
        'flash',
        'negotiate',
        'reset',
        'set-priv-flags',
        'config-nfc',
        'config-ntuple',
        'set-rxfh-indir',
        'set-eee',
        'set-fec',
        'set-phy-tunable',
      ],
      'changes a network device',
    ),
  ],
  ['tcpdump', without('wCzZ', [], 'writes a capture file or runs a command', 'cirsBEFGiMTVWyz', ['interface', 'count'])],
  [
    'conntrack',
    onlyWith('LSCGE', ['dump', 'stats', 'count', 'get', 'event'], 'changes connection tracking (only -L, -S, -C, -G, -E read)'),
  ],
  ['fuser', without('k', ['kill'], 'kills processes')],
  [
    'systemd-analyze',
    (args) =>
      ['log-level', 'log-target', 'service-watchdogs'].includes(t(args[0])) && args.length > 1
        ? refuse('changes a manager setting', args[1])
        : null,
  ],
  [
    'loginctl',
    verbs(
      [
        'list-sessions',
        'session-status',
        'show-session',
        'list-users',
        'user-status',
        'show-user',
        'list-seats',
        'seat-status',
        'show-seat',
      ],
      'pPHMn',
      ['property', 'host', 'machine', 'lines'],
    ),
  ],
  ['hostnamectl', verbs(['status', 'show'], 'HM', ['host', 'machine'], 'sets the host name or its metadata')],
  ['timedatectl', verbs(['status', 'show', 'timesync-status', 'show-timesync', 'list-timezones'], 'HMp', ['host', 'machine', 'property'])],
  [
    'resolvectl',
    verbs(['status', 'query', 'statistics', 'show-cache', 'show-server-state', 'monitor', 'service', 'openpgp', 'tlsa'], 'ipt', [
      'interface',
      'protocol',
      'type',
    ]),
  ],
  ['networkctl', verbs(['list', 'status', 'lldp', 'label', 'cat'])],
  [
    'dpkg',
    onlyWith(
      'lLsSpCV',
      [
        'list',
        'listfiles',
        'status',
        'search',
        'print-avail',
        'get-selections',
        'print-architecture',
        'print-foreign-architectures',
        'compare-versions',
        'audit',
        'verify',
        'version',
      ],
      'changes packages (only query options read)',
    ),
  ],
  [
    'rpm',
    (args) =>
      args.some((a) => /^-q|^--query|^-V$|^--verify$|^--version$|^--eval$|^-E$/.test(t(a)))
        ? null
        : refuse('changes packages (only -q and -V read)', args[0]),
  ],
  [
    'apt',
    verbs(
      ['list', 'show', 'policy', 'search', 'depends', 'rdepends', 'showsrc', 'changelog'],
      'oct',
      ['option', 'config-file', 'target-release'],
      'changes packages',
    ),
  ],
  ['ufw', verbs(['status', 'show', 'version', 'app'], '', [], 'changes the firewall')],
  [
    'firewall-cmd',
    (args) =>
      args.every((a) => /^--(list-|get-|query-|info-|state$|check-config$|zone=|permanent$|version$|help$)/.test(t(a)))
        ? null
        : refuse(
            'changes the firewall',
            args.find((a) => !/^--(list-|get-|query-|info-|state$|check-config$|zone=|permanent$|version$|help$)/.test(t(a))),
          ),
  ],
  [
    'smartctl',
    without('tsSXoB', ['test', 'smart', 'offlineauto', 'saveauto', 'abort', 'set'], 'changes a disk or starts a self-test', 'dlTfFbr', [
      'device',
      'log',
      'tolerance',
      'format',
    ]),
  ],
  [
    'mdadm',
    onlyWith('DEQ', ['detail', 'examine', 'query', 'detail-platform'], 'changes an array (only --detail, --examine, --query read)'),
  ],
  ['zpool', verbs(['status', 'list', 'iostat', 'get', 'history', 'events'])],
  ['zfs', verbs(['list', 'get', 'userspace', 'groupspace', 'holds', 'diff'])],
  ['ifconfig', atMostOperands(1, 'changes an interface', '')],
  ['route', atMostOperands(0, 'changes the routing table', 'A')],
  ['arp', without('dsf', ['delete', 'set', 'file'], 'changes the ARP table', 'iHA', ['device', 'hw-type'])],
  ['brctl', verbs(['show', 'showmacs', 'showstp'])],
  [
    'nmcli',
    (args) => {
      const p = parse(args, { withArg: 'tfpgmew', longWithArg: ['terse', 'fields', 'get-values', 'mode', 'escape', 'wait', 'colors'] })
      const verb = p.operands[1]
      return !verb || ['show', 'status', 'list', 'monitor', 's', 'l'].includes(t(verb)) ? null : refuse('changes networking', verb)
    },
  ],
  ...['docker', 'podman'].map((p): [string, Rule] => [
    p,
    verbs(
      ['ps', 'images', 'inspect', 'logs', 'stats', 'top', 'version', 'info', 'events', 'port', 'diff', 'history'],
      'H',
      ['host', 'context', 'format'],
      'changes containers',
    ),
  ]),
  // Wrappers: what they run is checked the same way.
  ['sudo', sudo],
  ['doas', wrapper('uC', [], 0)],
  ['env', env],
  ['nohup', wrapper()],
  ['setsid', wrapper()],
  ['time', wrapper('fo', ['format', 'output'])],
  ['nice', wrapper('n', ['adjustment'])],
  ['ionice', wrapper('cnt', ['class', 'classdata'], 0, 'pPu')],
  ['chrt', wrapper('T', [], 1, 'p')],
  ['taskset', wrapper('', [], 1, 'p')],
  ['stdbuf', wrapper('ioe', ['input', 'output', 'error'])],
  ['timeout', timeout],
  ['command', (args) => (['-v', '-V'].includes(t(args[0])) ? null : { runs: args[0] && t(args[0]) === '-p' ? args.slice(1) : args })],
  ['exec', wrapper('a', [])],
  ['builtin', wrapper()],
  ['busybox', busybox],
  ['xargs', xargs],
  ['nsenter', wrapper('tSGwr', ['target', 'setuid', 'setgid', 'wd', 'root'])],
  ['chroot', wrapper('', ['userspec', 'groups'], 1)],
  ['runuser', (args) => (args.some((a) => ['-c', '--command'].includes(t(a))) ? su(args) : wrapper('ugl', ['user', 'group'])(args))],
  ['su', su],
  ...['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh'].map((p): [string, Rule] => [p, shell]),
  ['eval', evalRule],
])

/** The programs a diagnostic may run (some only with read-only flags or verbs), for docs. */
export function allowListedPrograms(): string[] {
  return [...PROGRAMS.keys()].sort()
}
