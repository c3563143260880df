/**
 * Where `${{ }}` lands in a command line: every quoting context that would cancel or re-read the
 * engine's own quoting is reported with its offset; plain word positions are not.
 */
import { describe, expect, it } from 'vitest'
import { quotedInterpolations } from '../../../src/dsl/shell-context.ts'

const contexts = (t: string) => quotedInterpolations(t).map((q) => q.context)

describe('quotedInterpolations', () => {
  it.each([
    ["echo '${{ s }}'", 'single quotes'],
    ['echo "${{ s }}"', 'double quotes'],
    ['echo "prefix $(id) ${{ s }}"', 'double quotes'],
    ['echo `cat ${{ s }}`', 'backticks'],
    ["echo $'a ${{ s }}'", "$'...' quotes"],
    ['echo \\${{ s }}', 'a backslash escape'],
    ['cat <<EOF\nhello ${{ s }}\nEOF', 'a heredoc'],
    ["cat <<'EOF'\nhello ${{ s }}\nEOF", 'a heredoc'],
    ['cat <<-EOF\n\thello ${{ s }}\n\tEOF', 'a heredoc'],
    ['uptime # for ${{ s }}', 'a comment'],
    ['x="$(echo "${{ s }}")"', 'double quotes'],
  ])('%j: inside %s', (template, context) => {
    expect(contexts(template)).toEqual([context])
  })

  it.each([
    'echo ${{ s }}',
    'grep -F -- ${{ s }} /var/log/auth.log',
    'echo "$(grep ${{ s }} f)"',
    "echo 'rules naming '${{ s }}':'",
    'f "a"${{ s }}"b"',
    "awk '{print $1}' ${{ s }} | sort",
    'cat <<EOF\nplain\nEOF\necho ${{ s }}',
    'echo $(( 1 + 2 )) ${{ s }}',
    'echo a#b ${{ s }}',
    'for x in ${{ s }}; do echo "$x"; done',
  ])('%j: plain word position', (template) => {
    expect(contexts(template)).toEqual([])
  })

  it('reports the offset of each ${{', () => {
    const t = 'echo ${{ a }} \'${{ b }}\' "${{ c }}"'
    expect(quotedInterpolations(t).map((q) => q.offset)).toEqual([t.indexOf('${{ b'), t.indexOf('${{ c')])
  })
})
