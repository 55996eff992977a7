// POSIX shell quoting. Every interpolated value goes through here, so no value can
// change the shape of a command (no injection through host vars or file names).

/** Quotes one word for a POSIX shell: safe words pass unchanged, others are single-quoted. */
export function quoteWord(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
