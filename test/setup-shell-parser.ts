// Tests validate synchronously, as the server does: the bash grammar is loaded once per test file.
import { loadShellParser } from '../src/dsl/readonly.ts'

await loadShellParser()
