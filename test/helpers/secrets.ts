/**
 * Secrets under test and every form in which one could leak. The forms are built here from the
 * production quoting (what the engine really sends), not from the redactor, so a redactor that
 * forgets a form fails these tests.
 */
import { quote, withSudo } from '../../src/shared/quote.ts'

export const SECRET_CASES: ReadonlyArray<readonly [string, string]> = [
  ['single quote', "it's-a-secret"],
  ['double quotes', 'say "hi" now'],
  ['backslashes', 'back\\slash\\n-not-a-newline'],
  ['dollar', '$HOME$(id)`id`'],
  ['spaces', 'two  spaced words'],
  ['newline', 'line one of it\nline two of it'],
  ['unicode', 'pässwörd✓😀-ünï'],
  ['everything', `it's "q" \\ $HOME sp ace\nsecond líne 😀`],
]

const shellInner = (s: string) => s.replace(/'/g, `'\\''`)
const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1)

/** Every form of `secret` that must not appear in any output, with a label for the failure message. */
export function leakForms(secret: string, fileContent: string): Array<[string, string]> {
  const forms: Array<[string, string]> = [
    ['raw', secret],
    ['shell-quoted', quote(secret)],
    ['escaped inside single quotes', shellInner(secret)],
    ['re-quoted for sudo sh -c', shellInner(shellInner(secret))],
    ['a sudo-wrapped command', withSudo(`printf '%s' ${quote(secret)}`)],
    ['JSON-escaped', jsonInner(secret)],
    ['JSON-escaped, shell-quoted', jsonInner(quote(secret))],
    ['shell-quoted JSON', quote(JSON.stringify({ t: secret }))],
    ['base64 of the file content', Buffer.from(fileContent).toString('base64')],
  ]
  // A diff or a per-line view cuts a multi-line secret into lines: none of them may show either.
  if (secret.includes('\n')) for (const line of secret.split('\n')) if (line.length >= 8) forms.push(['one line of it', line])
  return forms
}

/** The forms of `secret` found in `text` (labels), also inside every JSON string of JSON lines. */
export function leaksIn(text: string, secret: string, fileContent: string): string[] {
  const strings = [text]
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      collectStrings(JSON.parse(line), strings)
    } catch {
      // not a JSON line
    }
  }
  return leakForms(secret, fileContent)
    .filter(([, form]) => strings.some((s) => s.includes(form)))
    .map(([label]) => label)
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) (out.push(k), collectStrings(v, out))
}
