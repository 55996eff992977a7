// The parts of ~/.ssh/config the runner honours: Host aliases with HostName, User, Port,
// IdentityFile, ProxyJump and UserKnownHostsFile. Tokens %h %p %r %u %% and ~ are expanded.
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import SSHConfig from 'ssh-config';
import { UsageError } from '../errors.js';

export interface SshConfigEntry {
  readonly hostName?: string;
  readonly user?: string;
  readonly port?: string;
  readonly identityFiles: string[];
  readonly proxyJump?: string;
  readonly knownHostsFiles: string[];
}

export interface SshConfigSource {
  lookup(alias: string): SshConfigEntry;
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

/** Reads an ssh_config file; a missing default file is an empty config. */
export async function loadSshConfig(file: string | undefined): Promise<SshConfigSource> {
  const path = file ?? `${homedir()}/.ssh/config`;
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || file !== undefined) {
      throw new UsageError(`cannot read ssh config ${path}: ${(error as Error).message}`);
    }
  }
  const config = SSHConfig.parse(text);
  return {
    lookup(alias: string): SshConfigEntry {
      const computed = config.compute(alias);
      const hostName = first(computed['HostName']);
      const user = first(computed['User']);
      const port = first(computed['Port']);
      const tokens = { h: hostName ?? alias, p: port ?? '22', r: user ?? userInfo().username, u: userInfo().username };
      const entry: { -readonly [K in keyof SshConfigEntry]: SshConfigEntry[K] } = {
        identityFiles: list(computed['IdentityFile']).map((p) => expand(p, tokens)),
        knownHostsFiles: list(computed['UserKnownHostsFile'])
          .flatMap((p) => p.split(/\s+/))
          .map((p) => expand(p, tokens)),
      };
      if (hostName !== undefined) entry.hostName = expand(hostName, tokens);
      if (user !== undefined) entry.user = user;
      if (port !== undefined) entry.port = port;
      const jump = first(computed['ProxyJump']);
      if (jump !== undefined && jump.toLowerCase() !== 'none') entry.proxyJump = jump;
      return entry;
    },
  };
}
