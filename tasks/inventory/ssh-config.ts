// The parts of ~/.ssh/config (or -F FILE) the runner honours: HostName, User, Port,
// IdentityFile, ProxyJump, ProxyCommand and UserKnownHostsFile, after Include and Match.
// Where OpenSSH's `ssh` is installed it computes them (openssh-config.ts), so the runner
// reads a config exactly as ssh does; elsewhere the ssh-config package parses the file with
// its Includes inlined (ssh-config-files.ts). Tokens %h %p %r %u %% and ~ are expanded in
// key and known_hosts paths; a ProxyCommand is expanded once the host is resolved.
import { homedir, userInfo } from 'node:os';
import SSHConfig from 'ssh-config';
import { haveOpenSsh, openSshLookup } from './openssh-config.js';
import { hostAliases, readSshConfigText } from './ssh-config-files.js';

export interface SshConfigEntry {
  readonly hostName?: string;
  readonly user?: string;
  readonly port?: string;
  readonly identityFiles: string[];
  readonly proxyJump?: string;
  /** As written, tokens not expanded (see proxy-command.ts). */
  readonly proxyCommand?: string;
  readonly knownHostsFiles: string[];
}

export interface SshConfigSource {
  /** Names written on Host lines without wildcards (Includes followed). */
  readonly aliases: ReadonlySet<string>;
  lookup(host: string): Promise<SshConfigEntry>;
}

export interface SshConfigOptions {
  /** Ask OpenSSH (`ssh -G`); default: when an `ssh` program is installed. */
  readonly openSsh?: boolean;
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function expand(path: string, tokens: Record<string, string>): string {
  const withTokens = path.replace(/%([%hpru])/g, (_, token: string) => (token === '%' ? '%' : (tokens[token] ?? '')));
  return withTokens.replace(/^~(?=$|\/)/, homedir());
}

/** The fallback: the ssh-config package on the text with Includes inlined. */
function parsedLookup(config: SSHConfig): (host: string) => Promise<SshConfigEntry> {
  return async (host) => {
    const computed = config.compute(host);
    const hostName = first(computed['HostName']);
    const user = first(computed['User']);
    const port = first(computed['Port']);
    const proxyJump = first(computed['ProxyJump']);
    const proxyCommand = first(computed['ProxyCommand']);
    return {
      ...(hostName !== undefined ? { hostName } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(port !== undefined ? { port } : {}),
      identityFiles: list(computed['IdentityFile']),
      knownHostsFiles: list(computed['UserKnownHostsFile']).flatMap((p) => p.split(/\s+/)),
      ...(proxyJump !== undefined && proxyJump.toLowerCase() !== 'none' ? { proxyJump } : {}),
      ...(proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none' ? { proxyCommand } : {}),
    };
  };
}

/** Reads an ssh_config file; a missing default file (~/.ssh/config) is an empty config. */
export async function loadSshConfig(file: string | undefined, options: SshConfigOptions = {}): Promise<SshConfigSource> {
  const path = file ?? `${homedir()}/.ssh/config`;
  const text = await readSshConfigText(path).catch((error: Error) => {
    if (file === undefined && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  });
  const config = SSHConfig.parse(text ?? '');
  // The file is always passed with -F: ssh would read the home directory of the passwd entry, not $HOME.
  const raw = text !== undefined && (options.openSsh ?? (await haveOpenSsh())) ? openSshLookup(path) : parsedLookup(config);
  return {
    aliases: hostAliases(config),
    async lookup(host: string): Promise<SshConfigEntry> {
      const entry = await raw(host);
      const hostName = entry.hostName === undefined ? undefined : expand(entry.hostName, { h: host });
      const tokens = { h: hostName ?? host, p: entry.port ?? '22', r: entry.user ?? userInfo().username, u: userInfo().username };
      return {
        ...entry,
        ...(hostName !== undefined ? { hostName } : {}),
        identityFiles: entry.identityFiles.map((p) => expand(p, tokens)),
        knownHostsFiles: entry.knownHostsFiles.map((p) => expand(p, tokens)),
      };
    },
  };
}
