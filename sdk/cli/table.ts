/** Plain-text tables for the list commands: columns padded to their widest cell, control characters shown escaped. */
import { escapeControlCharacters } from '../text/index.js';

/**
 * Every cell goes through escapeControlCharacters: names are checked when they come in, but a
 * record written by an older version or by hand must not steer the terminal either.
 *
 * @example formatTable(['ID', 'NAME'], [['b850e752', 'debian']]) // "ID        NAME\nb850e752  debian\n"
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(escapeControlCharacters));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return cells.map((row) => `${line(row)}\n`).join('');
}
