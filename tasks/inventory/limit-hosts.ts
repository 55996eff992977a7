// --limit PATTERN, as in Ansible: narrows the hosts that -H and -i selected.
//
//   lab1,web*     hosts named so, or in a group named so (globs: * ? [...]); `all` is every host
//   !lab3         but not these
//   &edge         and only those also in these
//
// Patterns are separated by commas, or by colons when there is no comma (so names with a
// colon, such as host:port, can be given with commas). The plain patterns are united (every
// selected host if there are none), then each &pattern intersects and each !pattern removes.
// A pattern that matches none of the selected hosts is an error: a typo in an exclusion would
// otherwise run the task on the very host it was meant to spare.
import { LimitError } from '../errors.js';
import type { HostTarget } from './host-target.js';

function glob(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

function matcher(pattern: string): (host: HostTarget) => boolean {
  if (pattern === 'all') return () => true;
  const regex = glob(pattern);
  return (host) => regex.test(host.name) || host.groups.some((group) => regex.test(group));
}

/** The selected hosts that `limit` keeps, in their order. */
export function limitHosts(hosts: readonly HostTarget[], limit: string): HostTarget[] {
  const patterns = limit
    .split(limit.includes(',') ? ',' : ':')
    .map((p) => p.trim())
    .filter(Boolean);
  if (patterns.length === 0) throw new LimitError(limit, 'it names no pattern', hosts.map((h) => h.name));
  const parsed = patterns.map((text) => {
    const op = text[0] === '!' || text[0] === '&' ? text[0] : '';
    const matches = matcher(text.slice(op.length));
    if (!hosts.some(matches)) throw new LimitError(limit, `'${text.slice(op.length)}' matches none of the selected hosts`, hosts.map((h) => h.name));
    return { op, matches };
  });
  const plain = parsed.filter((p) => p.op === '');
  const kept = hosts.filter(
    (host) =>
      (plain.length === 0 || plain.some((p) => p.matches(host))) &&
      parsed.every((p) => (p.op === '&' ? p.matches(host) : p.op === '!' ? !p.matches(host) : true)),
  );
  if (kept.length === 0) throw new LimitError(limit, 'it leaves no host', hosts.map((h) => h.name));
  return kept;
}
