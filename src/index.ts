/** Public API. Everything else is internal. */
import { loadShellParser } from './dsl/readonly.ts'
export { loadRunbook, resolveRunbook, resolveRunbookName, runbookDirs, listRunbookFiles } from './library.ts'
export { compileRunbook, type CompiledRunbook } from './compile/compile.ts'
export { validateFile, validateSource, type ValidRunbook } from './dsl/validate.ts'
export { runRunbook, type RunOptions, type RunSummary } from './engine/run.ts'
export { replayTranscript, testRunbook, coverage } from './testing/replay.ts'
export { readTranscript, streamTranscript } from './transcript/reader.ts'
export { RunbookError, RunbookErrors, ExecError, ERROR_CODES, EXIT } from './errors.ts'
export type * from './types.ts'

// The API validates synchronously (loadRunbook, validateFile): the bash grammar of the read-only
// check is loaded when the package is imported.
await loadShellParser()
