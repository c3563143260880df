/**
 * Generated runbooks for benchmarks and scaling tests: a chain of `steps` run steps, each with a
 * template, a parser and guards that read its own result and an earlier step's, so every part of
 * validation (schema, names, graph, CEL checks) sees work proportional to the size.
 */
export function generateRunbook(steps: number, name = 'bench-validate'): string {
  const lines = [
    'apiVersion: runbook/v1',
    `name: ${name}`,
    'summary: generated benchmark runbook',
    'params:',
    '  n: { type: int, default: 1 }',
    'steps:',
  ]
  for (let i = 0; i < steps; i++) {
    const next = i + 1 < steps ? `s${i + 1}` : 'done'
    const prev = i > 0 ? `s${i - 1}` : 's0'
    lines.push(
      `  s${i}:`,
      `    run: "echo ${i} \${{ params.n }}"`,
      '    next:',
      `      - if: result.exitCode == 0 && size(result.lines) == 1 && steps.${prev}.status == "ok"`,
      `        goto: ${next}`,
      // Defaults lead on too: only the last step reaches an outcome directly, so the graph checks
      // (reachability, paths to an outcome) must walk the whole chain.
      `      - goto: ${i + 1 < steps ? next : 'failed'}`,
    )
  }
  lines.push('outcomes:', '  done: { severity: ok, summary: all steps ran }', '  failed: { severity: critical, summary: a step failed }')
  return lines.join('\n') + '\n'
}
