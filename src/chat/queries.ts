/**
 * The read-only `/runbook` answers: help (usage, or a runbook's params), list and status. Each
 * returns the ephemeral text for the person who asked; what they may not view is never shown.
 */
import { describeType } from '../dsl/params.ts'
import { RunbookError } from '../errors.ts'
import { listRunbookFiles, loadRunbook } from '../library.ts'
import type { Identity } from '../service/access.ts'
import type { RunService } from '../service/service.ts'
import { esc, runUrl } from './blocks.ts'
import { USAGE } from './command-text.ts'
import { loadShellParser } from '../dsl/readonly.ts'

export async function helpText(service: RunService, name: string | undefined): Promise<string> {
  // Chat queries load runbooks in the server's process, which validates with the bash grammar.
  await loadShellParser()
  const files = listRunbookFiles(service.o.runbookDirs)
  if (!name) return `${USAGE}\n\nRunbooks: ${[...files.keys()].map((n) => `\`${n}\``).join(', ') || 'none'}`
  const file = files.get(name)
  if (!file) return `:x: no runbook named '${esc(name)}' (known: ${[...files.keys()].join(', ')})`
  const rb = loadRunbook(file)
  const params = Object.entries(rb.params).map(
    ([k, p]) =>
      `• \`${k}\` ${esc(describeType(p))}${p.required && p.default === undefined ? ' *required*' : p.default !== undefined ? ` (default ${esc(String(p.default))})` : ''}${p.description ? `: ${esc(p.description.split('\n')[0]!)}` : ''}`,
  )
  return `*${esc(rb.name)}*: ${esc(rb.summary)}\n${params.join('\n') || 'No params.'}\n\`/runbook plan ${esc(rb.name)}${'host' in rb.params ? ' host=H' : ''} …\` diagnoses; \`/runbook run …\` also applies a fix after approval.`
}

export async function listText(service: RunService, identity: Identity, publicUrl: string | undefined): Promise<string> {
  const runs = await service.list(identity, { limit: 15 })
  const lines = runs.map(
    (r) =>
      `• \`${r.id.slice(0, 8)}\` ${esc(r.runbook)}${r.host ? ` on \`${esc(r.host)}\`` : ''} · ${r.mode} · *${r.status}* · ${esc(r.requestedBy)} · ${new Date(r.createdAt).toISOString().slice(0, 16)}Z${publicUrl ? ` · <${runUrl(publicUrl, r.id)}|page>` : ''}`,
  )
  return lines.length ? `Latest runs you may see:\n${lines.join('\n')}` : 'No runs yet that you may see.'
}

/** A run by its id or a unique prefix of it (as `/runbook list` shows them). */
export async function statusText(service: RunService, identity: Identity, id: string, publicUrl: string | undefined): Promise<string> {
  let full = id
  if (id.length < 36) {
    const found = (await service.list(identity, { limit: 500 })).filter((r) => r.id.startsWith(id))
    if (found.length !== 1)
      return `:x: ${found.length ? `'${id}' matches ${found.length} runs: give more of the id` : `no run starting with '${id}' that you may see (\`/runbook list\`)`}`
    full = found[0]!.id
  }
  try {
    const view = await service.view(await service.run(identity, full))
    const outcome = view.outcome as { summary?: string; severity?: string } | null
    return [
      `\`${view.id}\` *${esc(view.runbook)}*${view.host ? ` on \`${esc(view.host)}\`` : ''} · ${view.mode} · requested by ${esc(view.requestedBy)}`,
      `Status: *${view.status}*${view.exitCode !== null ? ` (exit ${view.exitCode})` : ''}${view.error ? `: ${esc(view.error)}` : ''}`,
      ...(outcome?.summary ? [`Outcome: ${esc(outcome.severity ?? '')} ${esc(outcome.summary)}`] : []),
      ...(view.approvalRequest?.state === 'open'
        ? [
            `Waiting for ${view.approvalRequest.required} approval(s) of plan \`${view.approvalRequest.planHash.slice(0, 12)}\` until ${view.approvalRequest.expiresAt}`,
          ]
        : []),
      ...(publicUrl ? [`<${runUrl(publicUrl, view.id)}|Run page>`] : []),
    ].join('\n')
  } catch (err) {
    if (!(err instanceof RunbookError)) throw err
    return `:x: ${esc(err.message)}`
  }
}
