/** Prometheus text exposition, by hand: a few gauges and two histograms need no client library. */

export class Histogram {
  readonly #counts: number[]
  #sum = 0
  #count = 0
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.#counts = buckets.map(() => 0)
  }

  observe(value: number): void {
    this.#sum += value
    this.#count++
    this.buckets.forEach((b, i) => {
      if (value <= b) this.#counts[i]!++
    })
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.#counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${this.#sum}`,
      `${this.name}_count ${this.#count}`,
    ]
  }
}

export function gauge(name: string, help: string, samples: Array<[labels: Record<string, string>, value: number]>): string[] {
  const label = (l: Record<string, string>) => {
    const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
    return parts.length ? `{${parts.join(',')}}` : ''
  }
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${label(l)} ${v}`)]
}
