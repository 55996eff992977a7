// A host as the runner connects to it, after -H, the inventory and ~/.ssh/config were merged.
import { userInfo } from 'node:os';
import { UsageError } from '../errors.js';

/** A host the runner connects to; make one from a spec with {@link hostTarget}. */
export interface HostTarget {
  /** The name the operator used (inventory name, ssh_config alias or `-H` spec); shown everywhere. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Private key files to offer, in order, after the ssh-agent's keys. */
  readonly identityFiles: readonly string[];
  /** Jump hosts, outermost first (ProxyJump a,b means a then b). */
  readonly jumps: readonly HostTarget[];
  /** ssh_config ProxyCommand, tokens expanded: its stdin and stdout carry the SSH connection. */
  readonly proxyCommand?: string;
  /** Extra known_hosts files (ssh_config UserKnownHostsFile). */
  readonly knownHostsFiles: readonly string[];
  /** Inventory variables: global, then group, then host. */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly groups: readonly string[];
}

/**
 * A host from `[user@]host[:port]`, as `-H` takes it: port 22 and the local user name unless
 * given, no inventory variables; `more` sets the other fields (identity files, jump hosts, vars).
 *
 * @example
 * ```ts
 * await runTask({ task: deployConfig, hosts: [hostTarget('ops@web1'), hostTarget('web2:2222', { vars: { role: 'edge' } })] });
 * ```
 */
export function hostTarget(spec: string, more: Partial<Omit<HostTarget, 'address' | 'port' | 'user'>> = {}): HostTarget {
  const parsed = parseHostSpec(spec);
  return {
    name: spec,
    address: parsed.host,
    port: parsed.port ?? 22,
    user: parsed.user ?? userInfo().username,
    identityFiles: [],
    jumps: [],
    knownHostsFiles: [],
    vars: {},
    groups: [],
    ...more,
  };
}

export interface HostSpec {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/** Parses `[user@]host[:port]`, with `[v6addr]:port` for IPv6. */
export function parseHostSpec(spec: string): HostSpec {
  const match = /^(?:([^@\s]+)@)?(\[[0-9a-fA-F:.]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(spec.trim());
  if (!match) throw new UsageError(`invalid host '${spec}': expected [user@]host[:port]`);
  const [, user, rawHost, rawPort] = match;
  const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  const out: { user?: string; host: string; port?: number } = { host };
  if (user) out.user = user;
  if (rawPort !== undefined) out.port = parsePort(rawPort, `host '${spec}'`);
  return out;
}

export function parsePort(value: string | number, where: string): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${where}: port must be an integer from 1 to 65535, got '${value}'`);
  }
  return port;
}
