/**
 * Command output as HTML: SGR colours become spans, every other escape is dropped, text is always
 * escaped; the html`` template escapes what it interpolates; a plan's file diff is drawn escaped.
 */
import { describe, expect, it } from 'vitest'
import { ansiToHtml } from '../../../src/service/http/ansi-html.ts'
import { html, scriptJson } from '../../../src/service/http/html.ts'
import { planSection } from '../../../src/service/http/run-page.ts'

describe('ansiToHtml', () => {
  it('keeps the 16 colours and attributes as classes, resets, and escapes the text', () => {
    expect(ansiToHtml('\x1b[31mfailed\x1b[0m <x> & "y"')).toBe('<span class="a-f1">failed</span> &lt;x&gt; &amp; &quot;y&quot;')
    expect(ansiToHtml('\x1b[1;92mok\x1b[22m still green\x1b[39m plain')).toBe(
      '<span class="a-b a-f10">ok</span><span class="a-f10"> still green</span> plain',
    )
    expect(ansiToHtml('\x1b[44;4mbg\x1b[m')).toBe('<span class="a-u a-g4">bg</span>')
  })

  it('256 colours and truecolor as rgb styles; the first 16 of 256 stay classes', () => {
    expect(ansiToHtml('\x1b[38;5;196mred\x1b[0m')).toBe('<span style="color:rgb(255,0,0)">red</span>')
    expect(ansiToHtml('\x1b[38;5;3my\x1b[48;5;244mz')).toBe(
      '<span class="a-f3">y</span><span class="a-f3" style="background-color:rgb(128,128,128)">z</span>',
    )
    expect(ansiToHtml('\x1b[38;2;1;2;300mt')).toBe('<span style="color:rgb(1,2,255)">t</span>')
  })

  it('drops cursor moves, OSC titles and control characters; keeps line ends', () => {
    expect(ansiToHtml('a\x1b[2K\x1b[1Gb\x1b]0;title\x07c\r\nd\x08e\x1b[?25l')).toBe('abc\nde')
    // A malicious "colour" cannot reach an attribute.
    expect(ansiToHtml('\x1b[38;5;"onmouseover=alert(1)mX')).not.toContain('onmouseover=alert(1)"')
  })
})

describe('html', () => {
  it('escapes interpolated values, joins arrays, keeps nested Html', () => {
    const name = '<b onclick="x">'
    expect(html`<p title="${name}">${name}</p>${[html`<i>${'&'}</i>`, 1, null, false]}`.text).toBe(
      '<p title="&lt;b onclick=&quot;x&quot;&gt;">&lt;b onclick=&quot;x&quot;&gt;</p><i>&amp;</i>1',
    )
    expect(scriptJson({ a: '</script><!--' }).text).toBe('{"a":"\\u003c/script\\u003e\\u003c!--"}')
  })

  it('draws a plan: commands by phase, the hash, file diffs coloured by line and escaped', () => {
    const out = planSection({
      step: 'fix_sshd',
      host: 'web1',
      sudo: true,
      check: ['sshd -t'],
      apply: ['systemctl reload ssh'],
      verify: [],
      rollback: [],
      access: { confirmWithinMs: 120_000 },
      files: [
        {
          path: '/etc/ssh/sshd_config',
          before: 'abc',
          after: 'def',
          diff: '--- /etc/ssh/sshd_config\n+++ /etc/ssh/sshd_config\n@@ -1 +1 @@\n-MaxStartups 1<2\n+MaxStartups 10:30:100\n',
        },
      ],
      hash: 'f'.repeat(64),
    }).text
    expect(out).toContain(`<code class="hash" id="plan-hash">${'f'.repeat(64)}</code>`)
    expect(out).toContain('<pre class="cmds">sudo systemctl reload ssh\n</pre>')
    expect(out).toContain('<span class="d-del">-MaxStartups 1&lt;2</span>')
    expect(out).toContain('<span class="d-add">+MaxStartups 10:30:100</span>')
    expect(out).toContain('<span class="d-hunk">@@ -1 +1 @@</span>')
    expect(out).toContain('commit-confirmed')
  })
})
