/**
 * What a secret becomes before it reaches a transcript, a log or a chat. Shared by the params
 * (which accept it back on replay), the engine's redactor and the replay executor.
 */

/** Value substituted for secret params in transcripts (and when replaying them). */
export const REDACTED = '[redacted]'

/** A secret alone in a command is quoted first (`quote()`), so it is recorded as this. */
export const QUOTED_REDACTED = `'${REDACTED}'`
