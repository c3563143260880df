/**
 * The fake Slack for tests. It lives in src/testing (npm run bench:chatops uses it too); tests import it from here.
 */
export { FakeSlack, type Ack, type ApiCall, type FakeMessage } from '../../src/testing/fake-slack.ts'
