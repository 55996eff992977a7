// POSIX shell quoting, for every word we hand to a shell: the task runner's commands over SSH
// (tasks/command) and QEMU's `exec:` migration URIs, which QEMU runs with `/bin/sh -c`. Every
// interpolated value goes through here, so no value can change the shape of a command (no
// injection through host vars or file names).

/**
 * Quotes one word for a POSIX shell: safe words pass unchanged, others are single-quoted.
 *
 * @example quoteWord('/var/tmp/vm.mem') // '/var/tmp/vm.mem'; quoteWord("it's") // 'it'\''s'
 */
export function quoteWord(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
