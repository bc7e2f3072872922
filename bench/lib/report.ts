/** One line of the results table. */
export interface Metric {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  /** value / baseline.value (or the quantity the target is stated in). */
  ratio?: number;
  /** The target, e.g. '>= 0.35x' or '<= 2 s'; undefined for figures that are only reported. */
  target?: string;
  pass?: boolean;
  note?: string;
}

export interface BenchContext {
  quick: boolean;
  /** Extra node flags for every openecs server started (e.g. --cpu-prof). */
  serverNodeArgs: string[];
  /** Adds lines to the results as soon as they are measured. */
  record(metric: Metric): void;
  log(message: string): void;
}

/** A ratio target: pass when `ratio op bound`. */
export function ratioMetric(
  base: Omit<Metric, 'ratio' | 'pass' | 'target'>,
  ratio: number,
  op: '>=' | '<=',
  bound: number,
): Metric {
  return { ...base, ratio, target: `${op} ${bound}x`, pass: op === '>=' ? ratio >= bound : ratio <= bound };
}

const fmt = (n: number) =>
  Math.abs(n) >= 100
    ? n.toFixed(0)
    : Math.abs(n) >= 10
      ? n.toFixed(1)
      : Math.abs(n) >= 1
        ? n.toFixed(2)
        : n.toPrecision(2);

export function formatTable(metrics: Metric[]): string {
  const rows = [
    ['bench', 'metric', 'value', 'baseline', 'ratio', 'target', 'ok'],
    ...metrics.map((m) => [
      m.bench,
      m.name,
      `${fmt(m.value)} ${m.unit}`,
      m.baseline ? `${fmt(m.baseline.value)} ${m.unit} (${m.baseline.name})` : '',
      m.ratio === undefined ? '' : `${m.ratio.toFixed(3)}x`,
      m.target ?? '',
      m.pass === undefined ? '' : m.pass ? 'PASS' : 'MISS',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
