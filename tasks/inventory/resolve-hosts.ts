// Turns what the operator typed (-H names, inventory hosts and groups, ssh_config aliases)
// into connectable hosts. Precedence: the -H spec, then the inventory, then ~/.ssh/config,
// then the command-line defaults, then the local user and port 22.
//
// With an inventory, a bare name must be known: `all`, an inventory host or group, or an
// ssh_config Host alias. Anything else is written as an explicit ad-hoc host (user@host,
// host:port, an IP address), so a typo in a group name is an error, not a DNS lookup.
import { isIP } from 'node:net';
import { userInfo } from 'node:os';
import { UnknownHostError, UsageError } from '../errors.js';
import { closestName } from './closest-name.js';
import { parseHostSpec, parsePort, type HostTarget } from './host-target.js';
import type { Inventory } from './inventory.js';
import { expandProxyCommand } from './proxy-command.js';
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
export async function resolveHosts(selection: readonly string[], options: ResolveOptions): Promise<HostTarget[]> {
  const names = selection.flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
  const wanted = names.length > 0 ? names : [...(options.inventory?.hosts.keys() ?? [])];
  if (wanted.length === 0) throw new UsageError('no hosts: pass -H host1,host2 or an inventory with -i');
  if (options.inventory) checkNames(names, options.inventory, options.sshConfig.aliases);
  const members = wanted.flatMap((name) => (name === 'all' ? [...(options.inventory?.hosts.keys() ?? [])] : (options.inventory?.groups.get(name) ?? [name])));
  return Promise.all([...new Set(members)].map((member) => resolveOne(member, options, [])));
}

function checkNames(names: readonly string[], inventory: Inventory, aliases: ReadonlySet<string>): void {
  const adHoc = (name: string): boolean => /[@:]/.test(name) || isIP(name) !== 0;
  const unknown = names.filter((name) => name !== 'all' && !inventory.groups.has(name) && !inventory.hosts.has(name) && !aliases.has(name) && !adHoc(name));
  if (unknown.length === 0) return;
  const groups = [...inventory.groups.keys()];
  const hosts = [...inventory.hosts.keys()];
  const suggestions: Record<string, string> = {};
  for (const name of unknown) {
    const guess = closestName(name, [...groups, ...hosts, ...aliases]);
    if (guess !== undefined) suggestions[name] = guess;
  }
  throw new UnknownHostError(unknown, inventory.file, groups, hosts, suggestions);
}

async function resolveOne(name: string, options: ResolveOptions, chain: readonly string[]): Promise<HostTarget> {
  if (chain.includes(name)) throw new UsageError(`ProxyJump loop: ${[...chain, name].join(' -> ')}`);
  const invHost = options.inventory?.hosts.get(name);
  const spec = invHost ? { host: invHost.address ?? name } : parseHostSpec(name);
  const ssh = await options.sshConfig.lookup(spec.host);
  const user = ('user' in spec ? spec.user : undefined) ?? invHost?.user ?? ssh.user ?? options.defaultUser ?? userInfo().username;
  const port = ('port' in spec ? spec.port : undefined) ?? invHost?.port ?? (ssh.port ? parsePort(ssh.port, `ssh config for ${name}`) : 22);
  const address = ssh.hostName ?? spec.host;
  const jumpSpec = invHost?.proxyJump ?? ssh.proxyJump;
  const jumps: HostTarget[] = [];
  for (const jump of jumpSpec?.split(',') ?? []) {
    const resolved = await resolveOne(jump.trim(), options, [...chain, name]);
    // Only the first host of a chain can be reached through a command; the others are reached through the one before.
    if (resolved.proxyCommand !== undefined && jumps.length > 0) {
      throw new UsageError(`${name}: jump host ${resolved.name} has a ProxyCommand but is reached through ${jumps.at(-1)!.name}; use one or the other`);
    }
    jumps.push(...resolved.jumps, resolved);
  }
  // A ProxyJump (inventory or ssh_config) wins over a ProxyCommand, as the first of the two does in OpenSSH.
  const proxyCommand = jumpSpec === undefined && ssh.proxyCommand !== undefined ? expandProxyCommand(ssh.proxyCommand, { host: address, port, user, name }) : undefined;
  return {
    name,
    address,
    port,
    user,
    identityFiles: [...(options.identityFiles ?? []), ...(invHost?.identityFile ? [invHost.identityFile] : []), ...ssh.identityFiles],
    jumps,
    ...(proxyCommand !== undefined ? { proxyCommand } : {}),
    knownHostsFiles: ssh.knownHostsFiles,
    vars: invHost?.vars ?? {},
    groups: invHost?.groups ?? [],
  };
}
