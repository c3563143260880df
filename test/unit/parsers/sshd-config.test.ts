import { describe, it } from 'vitest'
import { sshdConfigParser } from '../../../src/parsers/sshd-config.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('sshd-config parser', () => {
  snapshotCases(sshdConfigParser)

  it('refuses the sshd_config file itself (not sshd -T) naming its first line', () => {
    expectParseError(sshdConfigParser, malformed('sshd-config', 'config-file'), 2)
  })
})
