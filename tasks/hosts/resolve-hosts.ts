// Turns what the operator typed (-H names, inventory hosts and groups, ssh_config aliases)
// into connectable hosts. Precedence: the -H spec, then the inventory, then ~/.ssh/config,
// then the command-line defaults, then the local user and port 22.
import { userInfo } from 'node:os';
import { UsageError } from '../errors.js';
import { parseHostSpec, parsePort, type HostTarget } from './host-target.js';
import type { Inventory } from './inventory.js';
import type { SshConfigSource } from './ssh-config.js';

export interface ResolveOptions {
  readonly inventory?: Inventory;
  readonly sshConfig: SshConfigSource;
  /** -u: user when nothing more specific names one. */
  readonly defaultUser?: string;
  /** -k: key files offered to every host before the configured ones. */
  readonly identityFiles?: readonly string[];
}

/** Expands a comma-separated selection; with no selection, every inventory host. */
export function resolveHosts(selection: readonly string[], options: ResolveOptions): HostTarget[] {
  const names = selection.flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
  const wanted = names.length > 0 ? names : [...(options.inventory?.hosts.keys() ?? [])];
  if (wanted.length === 0) throw new UsageError('no hosts: pass -H host1,host2 or an inventory with -i');
  const out = new Map<string, HostTarget>();
  for (const name of wanted) {
    const members = name === 'all' ? [...(options.inventory?.hosts.keys() ?? [])] : options.inventory?.groups.get(name);
    for (const member of members ?? [name]) {
      if (!out.has(member)) out.set(member, resolveOne(member, options, []));
    }
  }
  return [...out.values()];
}

function resolveOne(name: string, options: ResolveOptions, chain: readonly string[]): HostTarget {
  if (chain.includes(name)) throw new UsageError(`ProxyJump loop: ${[...chain, name].join(' -> ')}`);
  const invHost = options.inventory?.hosts.get(name);
  const spec = invHost ? { host: invHost.address ?? name } : parseHostSpec(name);
  const ssh = options.sshConfig.lookup(spec.host);
  const user = ('user' in spec ? spec.user : undefined) ?? invHost?.user ?? ssh.user ?? options.defaultUser ?? userInfo().username;
  const port = ('port' in spec ? spec.port : undefined) ?? invHost?.port ?? (ssh.port ? parsePort(ssh.port, `ssh config for ${name}`) : 22);
  const jumpSpec = invHost?.proxyJump ?? ssh.proxyJump;
  const jumps = jumpSpec
    ? jumpSpec.split(',').flatMap((jump) => {
        const resolved = resolveOne(jump.trim(), options, [...chain, name]);
        return [...resolved.jumps, resolved];
      })
    : [];
  return {
    name,
    address: ssh.hostName ?? spec.host,
    port,
    user,
    identityFiles: [...(options.identityFiles ?? []), ...(invHost?.identityFile ? [invHost.identityFile] : []), ...ssh.identityFiles],
    jumps,
    knownHostsFiles: ssh.knownHostsFiles,
    vars: invHost?.vars ?? {},
    groups: invHost?.groups ?? [],
  };
}
