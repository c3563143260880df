/**
 * OpenSSH `known_hosts` checking, strict by default (DESIGN.md "Safety model" item 4).
 *
 * Supports what OpenSSH writes and reads: comma-separated host patterns, `[host]:port` for ports
 * other than 22, `*`/`?` wildcards, `!negation`, hashed entries (`|1|salt|hmac`, HashKnownHosts) and
 * the `@revoked` marker (`@cert-authority` lines are ignored: no certificate support yet).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | null
  patterns: string
  keyType: string
  /** The key blob, base64 as written in the file. */
  key: string
  file: string
  line: number
}

export type HostKeyVerdict =
  | { status: 'known' }
  | { status: 'unknown'; fingerprint: string; keyType: string }
  | { status: 'mismatch'; fingerprint: string; keyType: string; expected: string[]; file: string; line: number }
  | { status: 'revoked'; fingerprint: string; keyType: string; file: string; line: number }

/** `SHA256:<base64 without padding>` like `ssh-keygen -lf` prints. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** The key type written at the start of an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown'
  const len = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + len).toString('latin1')
}

/** The name a host is stored under: `host`, or `[host]:port` when the port is not 22. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

export function parseKnownHosts(text: string, file = '<memory>'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim()
    if (raw === '' || raw.startsWith('#')) continue
    const fields = raw.split(/\s+/)
    let marker: KnownHostEntry['marker'] = null
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority'
      fields.shift()
    }
    const [patterns, keyType, key] = fields
    if (!patterns || !keyType || !key) continue
    entries.push({ marker, patterns, keyType, key, file, line: i + 1 })
  }
  return entries
}

// A fleet checks every host against the same file: each pattern is compiled once, not per lookup.
const globs = new Map<string, RegExp>()
function globToRegExp(glob: string): RegExp {
  let re = globs.get(glob)
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
    re = new RegExp(`^${body}$`, 'i')
    globs.set(glob, re)
  }
  return re
}

function matchesHashed(pattern: string, name: string): boolean {
  const parts = pattern.split('|')
  // |1|salt|hash splits into ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false
  const salt = Buffer.from(parts[2]!, 'base64')
  const want = parts[3]!
  return createHmac('sha1', salt).update(name).digest('base64') === want
}

/** Does a host-pattern field (`a,b,!c,|1|..`) match any of the names? A negated match wins. */
export function patternsMatch(patterns: string, names: readonly string[]): boolean {
  let matched = false
  for (const p of patterns.split(',')) {
    if (p.startsWith('|')) {
      if (names.some((n) => matchesHashed(p, n))) matched = true
      continue
    }
    const negate = p.startsWith('!')
    const re = globToRegExp(negate ? p.slice(1) : p)
    if (names.some((n) => re.test(n))) {
      if (negate) return false
      matched = true
    }
  }
  return matched
}

/**
 * One file's entries, indexed: an entry whose patterns are all plain names (what `ssh-keyscan`,
 * `lab up` and TOFU write) is found by name; the rest (wildcards, negations, hashed names) are
 * matched one by one. A fleet of 50 hosts checked against a 50-line file ran 5,000 pattern matches.
 */
interface KnownHostsFile {
  entries: KnownHostEntry[]
  byName: Map<string, number[]>
  /** Indexes of entries that need `patternsMatch`. */
  patterned: number[]
}

function indexFile(entries: KnownHostEntry[]): KnownHostsFile {
  const byName = new Map<string, number[]>()
  const patterned: number[] = []
  entries.forEach((e, i) => {
    const names = e.patterns.split(',')
    if (names.some((n) => /[*?!|]/.test(n))) return void patterned.push(i)
    for (const n of new Set(names.map((n) => n.toLowerCase()))) {
      const at = byName.get(n)
      if (at) at.push(i)
      else byName.set(n, [i])
    }
  })
  return { entries, byName, patterned }
}

// Parsed files, reused while the file is unchanged (same inode, size and mtime): a fleet opens one
// connection per host, and each read the whole file again. A key recorded meanwhile (TOFU) changes
// the file, so the next connection reads it anew.
const parsed = new Map<string, { stamp: string; file: KnownHostsFile }>()
function readKnownHostsFile(file: string): KnownHostsFile {
  const st = statSync(file, { throwIfNoEntry: false })
  if (!st) return indexFile([])
  const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`
  const hit = parsed.get(file)
  if (hit?.stamp === stamp) return hit.file
  const read = indexFile(parseKnownHosts(readFileSync(file, 'utf8'), file))
  parsed.set(file, { stamp, file: read })
  return read
}

/** Reads known_hosts files; missing files count as empty. */
export class KnownHosts {
  private readonly files: KnownHostsFile[]

  constructor(files: readonly string[]) {
    this.files = files.map(readKnownHostsFile)
  }

  /** Entries that apply to a host (`names` are the host and, for port 22, nothing else), in file order. */
  lookup(host: string, port: number): KnownHostEntry[] {
    const name = hostKeyName(host, port)
    return this.files.flatMap((f) => {
      const plain = f.byName.get(name.toLowerCase()) ?? []
      const patterned = f.patterned.filter((i) => patternsMatch(f.entries[i]!.patterns, [name]))
      const hits = patterned.length === 0 ? plain : [...plain, ...patterned].sort((a, b) => a - b)
      return hits.map((i) => f.entries[i]!).filter((e) => e.marker !== 'cert-authority')
    })
  }

  /** Key types known for a host, to prefer them in the key exchange (what OpenSSH does). */
  knownKeyTypes(host: string, port: number): string[] {
    return [
      ...new Set(
        this.lookup(host, port)
          .filter((e) => e.marker === null)
          .map((e) => e.keyType),
      ),
    ]
  }

  verify(host: string, port: number, blob: Buffer): HostKeyVerdict {
    const keyType = keyTypeOf(blob)
    const b64 = blob.toString('base64')
    const fp = fingerprint(blob)
    const entries = this.lookup(host, port)
    const revoked = entries.find((e) => e.marker === 'revoked' && e.key === b64)
    if (revoked) return { status: 'revoked', fingerprint: fp, keyType, file: revoked.file, line: revoked.line }
    const plain = entries.filter((e) => e.marker === null)
    if (plain.some((e) => e.key === b64)) return { status: 'known' }
    if (plain.length === 0) return { status: 'unknown', fingerprint: fp, keyType }
    // A key is recorded for this host but the server shows another one: treat it as changed, even
    // when the recorded key has another type (we asked for the recorded types first).
    const first = plain.find((e) => e.keyType === keyType) ?? plain[0]!
    const expected = plain.map((e) => fingerprint(Buffer.from(e.key, 'base64')))
    return { status: 'mismatch', fingerprint: fp, keyType, expected, file: first.file, line: first.line }
  }
}

/**
 * Record a new host key (trust on first use). Written hashed when `hash` is set, like
 * `HashKnownHosts yes`. Never called for a changed key.
 */
export function appendKnownHost(file: string, host: string, port: number, blob: Buffer, hash = false): void {
  const name = hostKeyName(host, port)
  let pattern = name
  if (hash) {
    const salt = randomBytes(20)
    pattern = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
  }
  mkdirSync(dirname(file), { recursive: true })
  appendFileSync(file, `${pattern} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 })
}
