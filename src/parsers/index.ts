/**
 * The built-in parsers, one file per program. `createParserRegistry()` is what the compiler
 * resolves `parse:` names against.
 */
import { ParserRegistry, type Parser } from './registry.ts'
import { accessLogParser } from './access-log.ts'
import { authLogParser } from './auth-log.ts'
import { dfParser } from './df.ts'
import { duParser } from './du.ts'
import { fail2banBannedParser } from './fail2ban-banned.ts'
import { fail2banStatusParser } from './fail2ban-status.ts'
import { firewallObjectsParser } from './firewall-objects.ts'
import { freeGParser, freeKParser, freeMParser, freeParser } from './free.ts'
import { ipsetParser } from './ipset.ts'
import { iptablesParser } from './iptables.ts'
import { lastParser } from './last.ts'
import { loadavgParser } from './loadavg.ts'
import { meminfoParser } from './meminfo.ts'
import { netstatParser } from './netstat.ts'
import { nftParser } from './nft.ts'
import { pingParser } from './ping.ts'
import { psParser } from './ps.ts'
import { sshdConfigParser } from './sshd-config.ts'
import { sshguardLogParser, sshguardWhitelistParser } from './sshguard.ts'
import { ssParser, ssSummaryParser } from './ss.ts'
import { swaponParser } from './swapon.ts'
import { systemctlFailedParser } from './systemctl-failed.ts'
import { systemctlShowParser } from './systemctl-show.ts'
import { systemctlStatusParser } from './systemctl-status.ts'
import { journalParser } from './journal.ts'
import { jsonParser } from './json.ts'
import { kvParser } from './kv.ts'
import { tracerouteParser } from './traceroute.ts'
import { uptimeParser } from './uptime.ts'
import { vmstatParser } from './vmstat.ts'
import { whoParser } from './who.ts'

export { defineParser, parseError, ParserRegistry } from './registry.ts'
export type { FieldSchema, Parser } from './registry.ts'

export const builtinParsers: Parser[] = [
  dfParser,
  duParser,
  loadavgParser,
  uptimeParser,
  freeParser,
  freeKParser,
  freeMParser,
  freeGParser,
  meminfoParser,
  swaponParser,
  psParser,
  ssParser,
  ssSummaryParser,
  netstatParser,
  iptablesParser,
  nftParser,
  ipsetParser,
  firewallObjectsParser,
  sshdConfigParser,
  sshguardLogParser,
  sshguardWhitelistParser,
  fail2banStatusParser,
  fail2banBannedParser,
  pingParser,
  tracerouteParser,
  vmstatParser,
  whoParser,
  accessLogParser,
  lastParser,
  authLogParser,
  systemctlShowParser,
  systemctlStatusParser,
  systemctlFailedParser,
  journalParser,
  jsonParser,
  kvParser,
] as Parser[]

/** A registry holding every built-in parser; callers may register more. */
export function createParserRegistry(): ParserRegistry {
  return new ParserRegistry(builtinParsers as Parser[])
}
