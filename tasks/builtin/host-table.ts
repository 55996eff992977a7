// One table across hosts for the tasks that list or change things on many hosts (vms, bases,
// push-base, synthesis): a row per item with the host first, and a line per host that failed.
import { formatTable } from '../../sdk/cli/table.js';
import type { HostResult } from '../run/events.js';

/** `3d`, `5h`, `12m`, `40s`: how long ago `iso` was. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/**
 * The table of `rows(value)` for every host that succeeded, the host in the first column; hosts
 * without a value are listed under it with their status.
 *
 * @example hostTable(summary.results, ['NAME', 'STATE'], (vms: Vm[]) => vms.map((vm) => [vm.name, vm.state]))
 */
export function hostTable<T>(results: readonly HostResult[], header: readonly string[], rows: (value: T) => readonly (readonly string[])[], empty: string): string[] {
  const table = results.flatMap((result) => (result.status === 'ok' && result.value !== undefined ? rows(result.value as T).map((row) => [result.host, ...row]) : []));
  const missing = results.filter((result) => result.status !== 'ok').map((result) => `${result.host}: ${result.status}${result.error ? ` (${result.error.code})` : ''}`);
  const body = table.length > 0 ? formatTable(['HOST', ...header], table).trimEnd().split('\n') : [empty];
  return [...body, ...missing];
}
