// Host settings as OpenSSH itself computes them: `ssh -G -F FILE -- HOST` applies Include,
// Match, Host patterns and canonicalization exactly as `ssh` would, and prints the result.
// It prints a value for every setting, defaults included, so each answer is compared with
// what ssh prints for an empty config: only what differs was configured. (A configured
// User equal to the local user therefore reads as unset, and -u then wins, as `ssh -l`
// would over the config.)
import { execFile } from 'node:child_process';
import { SshConfigError } from '../errors.js';
import type { SshConfigEntry } from './ssh-config.js';

type Settings = ReadonlyMap<string, readonly string[]>;

const PARALLEL = 8;

function sshG(file: string, host: string): Promise<Settings> {
  return new Promise((resolve, reject) => {
    execFile('ssh', ['-G', '-F', file, '--', host], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        const said = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('Pseudo-terminal'));
        return reject(new SshConfigError(file, `ssh -G ${host} failed: ${said.join('; ') || error.message}`));
      }
      const settings = new Map<string, string[]>();
      for (const line of stdout.split('\n')) {
        const space = line.indexOf(' ');
        if (space <= 0) continue;
        const key = line.slice(0, space);
        settings.set(key, [...(settings.get(key) ?? []), line.slice(space + 1)]);
      }
      resolve(settings);
    });
  });
}

/** True when an `ssh` program can be run. */
export function haveOpenSsh(): Promise<boolean> {
  return new Promise((resolve) => execFile('ssh', ['-V'], (error) => resolve(error === null)));
}

function same(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join('\n') === (b ?? []).join('\n');
}

/** A lookup that asks `ssh -G`, at most PARALLEL at a time, each host once. */
export function openSshLookup(file: string): (host: string) => Promise<SshConfigEntry> {
  let defaults: Promise<Settings> | undefined;
  const cache = new Map<string, Promise<SshConfigEntry>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
  const lookup = async (host: string): Promise<SshConfigEntry> => {
    defaults ??= sshG('/dev/null', 'cloudlet-tasks.invalid');
    const [got, base] = await Promise.all([slot(() => sshG(file, host)), defaults]);
    const one = (key: string): string | undefined => got.get(key)?.[0];
    const changed = (key: string): string | undefined => (same(got.get(key), base.get(key)) ? undefined : one(key));
    const hostName = one('hostname');
    const user = changed('user');
    const port = changed('port');
    const proxyJump = one('proxyjump');
    const proxyCommand = one('proxycommand');
    return {
      ...(hostName !== undefined && hostName !== host.toLowerCase() ? { hostName } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(port !== undefined ? { port } : {}),
      identityFiles: same(got.get('identityfile'), base.get('identityfile')) ? [] : [...(got.get('identityfile') ?? [])],
      knownHostsFiles: changed('userknownhostsfile')?.split(/\s+/) ?? [],
      ...(proxyJump !== undefined && proxyJump !== 'none' ? { proxyJump } : {}),
      ...(proxyCommand !== undefined && proxyCommand !== 'none' ? { proxyCommand } : {}),
    };
  };
  return (host) => {
    const key = host.toLowerCase();
    if (!cache.has(key)) cache.set(key, lookup(host));
    return cache.get(key)!;
  };
}
