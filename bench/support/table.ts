/** A Markdown table, so the output can be pasted into bench/results.md as it is. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Prints a titled section: what was measured first, then the numbers. */
export function printSection(title: string, body: string): void {
  console.log(`\n## ${title}\n\n${body}\n`);
}

/** `PASS`/`MISS` against a target, so a reader sees the verdict without doing arithmetic. */
export const verdict = (met: boolean): string => (met ? 'PASS' : 'MISS');
