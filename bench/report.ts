// Prints the benchmark's figures as one table: each figure, what it was compared with, the ratio,
// the target and PASS/MISS. The bench reports; it never fails the build.

export interface Row {
  figure: string;
  measured: string;
  baseline: string;
  /** The number the target applies to (a ratio, or MB for memory). */
  value: number;
  /** How much the value varied over the run's turns (e.g. "0.61–0.72"), when it was measured in turns. */
  spread?: string;
  target: { kind: 'atLeast' | 'atMost' | 'below'; limit: number; unit?: string };
}

export function verdict(row: Row): 'PASS' | 'MISS' {
  const { kind, limit } = row.target;
  const ok =
    kind === 'atLeast' ? row.value >= limit : kind === 'atMost' ? row.value <= limit : row.value < limit;
  return ok ? 'PASS' : 'MISS';
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['Figure', 'Mirror', 'Baseline', 'Value', 'Spread', 'Target', ''];
  const lines = rows.map((row) => {
    const unit = row.target.unit ?? '';
    const symbol = row.target.kind === 'atLeast' ? '≥' : row.target.kind === 'atMost' ? '≤' : '<';
    return [
      row.figure,
      row.measured,
      row.baseline,
      `${row.value.toFixed(2)}${unit}`,
      row.spread ?? '',
      `${symbol} ${row.target.limit}${unit}`,
      verdict(row),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(header), rule, ...lines.map(render)].join('\n');
}

export const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const millis = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
