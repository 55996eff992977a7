/**
 * Customizing a running VM with a script run over SSH (issue #5): the script file is streamed to
 * `sh -s` in the guest through the system OpenSSH client (ssh-command.ts), and must exit 0.
 *
 * The VM was resumed a moment ago, so its sshd is waited for first: `ssh … true` is retried until
 * it succeeds or the wait runs out. The probe keeps the two failures apart: a connection that
 * failed before the script started may be retried, a script is never run twice. Host key and
 * login refusals are final at once. The script's output is never printed here: each line goes to
 * `onOutput` (the CLI renders it), and the last stderr lines go into SshScriptError.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { missingTool } from '../../native/host-tool.js';
import { LaunchInputError } from '../vms/errors.js';
import { classifySshFailure, formatDestination, sshArgs, sshMessage, type HostKeyCheck, type SshTarget } from './ssh-command.js';
import { SshAuthError, SshConnectError, SshHostKeyError, SshScriptError, SshSessionLostError, type SshConnectProblem } from './ssh-errors.js';
import { scanHostKeys, writePinnedKnownHosts } from './ssh-host-key.js';

/** A script run in the VM over SSH to customize it, and how its host key is checked. */
export interface SshScript {
  target: SshTarget;
  /** The private key to log in with; no other key, agent or password is tried. */
  identityFile: string;
  hostKey: HostKeyCheck;
  /** Streamed to `sh -s` as the target user. Background processes must redirect their output, or the session waits for them. */
  scriptFile: string;
  /** How long the guest's sshd gets to answer; default 120 s. */
  connectTimeoutMs?: number;
}

export interface SshScriptContext {
  /** A private directory for the known_hosts file a pinned fingerprint needs. */
  workDir: string;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface SshScriptResult {
  /** Connection attempts until sshd answered. */
  attempts: number;
  waitedMs: number;
  ranMs: number;
}

const DEFAULT_CONNECT_WAIT_MS = 120_000;
const RETRY_MS = 500;
/**
 * A host key scan waits 2 s, then 4, 6, … up to 10. Right after a restore the first connection
 * through QEMU's user-mode network often stalls for seconds (about 6 s here) while the next one
 * passes at once, so a short first wait is cheaper than a long one.
 */
const scanTimeoutS = (attempt: number) => Math.min(2 * attempt, 10);
/** One probe: ssh's ConnectTimeout covers connect and banner, this the key exchange of a stuck guest. */
const PROBE_TIMEOUT_MS = 30_000;
const STDERR_TAIL_LINES = 10;
const MAX_LINE = 1_000;

/**
 * Runs `script` in the guest; SshScriptError when it exits non-zero, SshConnectError,
 * SshHostKeyError or SshAuthError when it could not run. Aborting kills ssh.
 *
 * @example await runSshScript({ target: { user: 'root', host: '127.0.0.1', port: 2222 }, identityFile: 'id_ed25519', hostKey: { fingerprint: 'SHA256:…' }, scriptFile: 'setup.sh' }, { workDir });
 */
export async function runSshScript(script: SshScript, context: SshScriptContext): Promise<SshScriptResult> {
  const { signal } = context;
  await checkSshScriptFiles(script);
  const destination = formatDestination(script.target);
  const pinned = 'fingerprint' in script.hostKey ? script.hostKey.fingerprint : undefined;
  const knownHosts = knownHostsFile(script, context.workDir);
  const expected = pinned ?? `the keys in ${knownHosts}`;
  const ssh = (command: string[]) => sshArgs(script.target, script.identityFile, knownHosts, command);
  const cancel = signal ? { cancelSignal: signal } : {};

  const started = Date.now();
  const deadline = started + (script.connectTimeoutMs ?? DEFAULT_CONNECT_WAIT_MS);
  let attempts = 0;
  let scanned = pinned === undefined;
  /** One attempt: undefined when sshd answered and let us in, else why not; refusals that waiting cannot mend throw. */
  const attempt = async (): Promise<{ problem: SshConnectProblem; message: string } | undefined> => {
    if (!scanned) {
      const scan = await scanHostKeys(script.target, scanTimeoutS(attempts), signal);
      if (scan.lines.length === 0) return { problem: connectProblem(classifySshFailure(scan.stderr)), message: sshMessage(scan.stderr) };
      if ((await writePinnedKnownHosts(scan, pinned!, knownHosts)) === 0) throw new SshHostKeyError(destination, expected, scan.fingerprints, '');
      scanned = true;
    }
    const probe = await execa('ssh', ssh(['true']), { stdin: 'ignore', reject: false, timeout: PROBE_TIMEOUT_MS, ...cancel });
    signal?.throwIfAborted();
    const missing = missingTool(probe, 'ssh');
    if (missing) throw missing;
    if (probe.exitCode === 0) return undefined;
    const kind = classifySshFailure(probe.stderr);
    if (kind === 'host-key') throw new SshHostKeyError(destination, expected, [], sshMessage(probe.stderr));
    if (kind === 'auth') throw new SshAuthError(destination, script.identityFile, sshMessage(probe.stderr));
    return { problem: probe.timedOut ? 'timeout' : connectProblem(kind), message: sshMessage(probe.stderr) };
  };
  for (;;) {
    attempts += 1;
    const failure = await attempt();
    if (!failure) break;
    if (Date.now() >= deadline) throw new SshConnectError(destination, failure.problem, Date.now() - started, attempts, failure.message);
    await sleep(RETRY_MS, undefined, signal ? { signal } : {});
  }

  const waitedMs = Date.now() - started;
  const child = execa('ssh', ssh(['sh', '-s']), { inputFile: script.scriptFile, buffer: false, reject: false, forceKillAfterDelay: 2_000, ...cancel });
  const tail: string[] = [];
  const [result] = await Promise.all([
    child,
    eachLine(child.stdout, (line) => context.onOutput?.('stdout', line)),
    eachLine(child.stderr, (line) => {
      tail.push(line.slice(0, MAX_LINE));
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      context.onOutput?.('stderr', line);
    }),
  ]);
  signal?.throwIfAborted();
  if (result.exitCode === 0) return { attempts, waitedMs, ranMs: Date.now() - started - waitedMs };
  // 255 is also ssh's own failure; its message tells the two apart.
  const kind = result.exitCode === 255 ? classifySshFailure(tail.join('\n')) : undefined;
  if (kind === 'host-key') throw new SshHostKeyError(destination, expected, [], sshMessage(tail.join('\n')));
  if (kind === 'auth') throw new SshAuthError(destination, script.identityFile, sshMessage(tail.join('\n')));
  if (kind !== undefined) throw new SshSessionLostError(destination, script.scriptFile, sshMessage(tail.join('\n')));
  throw new SshScriptError(destination, script.scriptFile, result.exitCode ?? -1, tail);
}

/** The known_hosts file ssh checks the guest against: the caller's, or the one a pinned fingerprint is written to in `workDir`. */
export function knownHostsFile(script: SshScript, workDir: string): string {
  return 'knownHostsFile' in script.hostKey ? script.hostKey.knownHostsFile : join(workDir, 'known_hosts');
}

/** LaunchInputError unless the script, the key and the known_hosts file can be read: checked before a VM is started for nothing. */
export async function checkSshScriptFiles(script: SshScript): Promise<void> {
  for (const [what, path] of [['script', script.scriptFile], ['SSH key', script.identityFile], ...('knownHostsFile' in script.hostKey ? [['known_hosts file', script.hostKey.knownHostsFile]] : [])] as const) {
    await access(path, constants.R_OK).catch((error: Error) => {
      throw new LaunchInputError(path, `cannot read the ${what}: ${error.message}`);
    });
  }
}

function connectProblem(kind: ReturnType<typeof classifySshFailure>): SshConnectProblem {
  return kind === 'refused' || kind === 'timeout' ? kind : 'closed';
}

async function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) onLine(line as string);
}
