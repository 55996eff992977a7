/** Plain-text tables for the list commands: columns padded to their widest cell. */

/** @example formatTable(['ID', 'NAME'], [['b850e752', 'debian']]) // "ID        NAME\nb850e752  debian\n" */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [header, ...rows].map((row) => `${line(row)}\n`).join('');
}
