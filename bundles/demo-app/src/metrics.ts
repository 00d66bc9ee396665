/**
 * A tiny Prometheus metrics registry: counters and gauges with labels, rendered in the text
 * exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */
type Labels = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(',');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  private metric(name: string, help: string, type: Metric['type']): Metric {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    let m = this.metrics.get(name);
    if (!m) {
      m = { name, help, type, values: new Map() };
      this.metrics.set(name, m);
    } else if (m.type !== type) throw new Error(`metric ${name} is already a ${m.type}`);
    return m;
  }

  /** Adds `by` (default 1, never negative) to a counter. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error('counters only go up');
    const m = this.metric(name, help, 'counter');
    const key = labelKey(labels);
    const cur = m.values.get(key);
    m.values.set(key, { labels, value: (cur?.value ?? 0) + by });
  }

  /** Sets a gauge. */
  set(name: string, help: string, value: number, labels: Labels = {}): void {
    const m = this.metric(name, help, 'gauge');
    m.values.set(labelKey(labels), { labels, value });
  }

  get(name: string, labels: Labels = {}): number | undefined {
    return this.metrics.get(name)?.values.get(labelKey(labels))?.value;
  }

  /** The text exposition of every metric, HELP and TYPE first, series sorted by labels. */
  render(): string {
    const lines: string[] = [];
    for (const m of [...this.metrics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      lines.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${m.name} ${m.type}`);
      for (const [key, { value }] of [...m.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        lines.push(`${m.name}${key ? `{${key}}` : ''} ${formatValue(value)}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}
