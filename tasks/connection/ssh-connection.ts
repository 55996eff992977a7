// The SSH transport: node-ssh (ssh2) with our host key check and auth order, jump hosts
// chained through direct-tcpip forwards (ProxyJump), a ProxyCommand's stdio as the first
// hop's socket, and exec with a live channel (ssh-exec.ts) so a sudo prompt can be answered,
// stdin data sent, and a timeout or an abort can stop the command.
import { homedir } from 'node:os';
import type { Duplex } from 'node:stream';
import { NodeSSH, type Config } from 'node-ssh';
import type { AnyAuthMethod, Client, ClientChannel, SFTPWrapper, VerifyCallback } from 'ssh2';
import { AuthenticationError, ConnectionError, TransferError } from '../errors.js';
import type { HostTarget } from '../inventory/host-target.js';
import { pipeRange } from '../transfer/range-pipeline.js';
import { NOT_STARTED } from './command-control.js';
import type { Connection, ExecOptions, ExecResult, PutRangeOptions } from './connection.js';
import { prepareHostKeyCheck, type HostKeyPolicy } from './host-key-check.js';
import { openProxyCommand, type ProxySocket } from './proxy-command-socket.js';
import { authMethods, type AuthSettings } from './ssh-auth.js';
import { runOnChannel } from './ssh-exec.js';

/** How {@link connectSsh} checks host keys, authenticates and how long it waits. */
export interface SshSettings {
  readonly hostKeys: HostKeyPolicy;
  readonly connectTimeoutMs: number;
  readonly auth: AuthSettings;
}

/**
 * The `cloudlet-tasks` command's SSH defaults: keys checked against ~/.ssh/known_hosts and
 * /etc/ssh/ssh_known_hosts, unknown keys refused, the ssh-agent of SSH_AUTH_SOCK, 10 s to connect.
 */
export function defaultSshSettings(env: NodeJS.ProcessEnv = process.env): SshSettings {
  const known = `${homedir()}/.ssh/known_hosts`;
  return {
    hostKeys: { knownHostsFiles: [known, '/etc/ssh/ssh_known_hosts'], recordFile: known, acceptNew: false },
    connectTimeoutMs: 10_000,
    auth: env['SSH_AUTH_SOCK'] ? { agentSocket: env['SSH_AUTH_SOCK'] } : {},
  };
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

function connectFailure(hop: HostTarget, error: unknown, tried: readonly string[]): ConnectionError {
  const err = error as Error & { code?: string; level?: string };
  if (err.level === 'client-authentication') return new AuthenticationError(hop.name, hop.address, hop.port, hop.user, tried);
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT' || /timed out/i.test(err.message)) {
    return new ConnectionError(hop.name, hop.address, hop.port, 'timed out (raise --connect-timeout if the host is slow)', { retryable: true, cause: error });
  }
  const code = err.code ?? '';
  const reason = code === 'ECONNREFUSED' ? 'connection refused (is sshd running on that port?)' : code === 'ENOTFOUND' ? 'unknown host name' : err.message;
  return new ConnectionError(hop.name, hop.address, hop.port, reason, { retryable: RETRYABLE_CODES.has(code), cause: error });
}

interface Hop {
  readonly ssh: NodeSSH;
  readonly proxy?: ProxySocket;
  /** The host key this hop presented and known_hosts accepted. */
  readonly hostKey: Buffer;
}

/** Connects to one hop: over `sock` (a jump host's forward), through its ProxyCommand, or directly. */
async function connectHop(hop: HostTarget, settings: SshSettings, sock: Duplex | undefined): Promise<Hop> {
  const check = await prepareHostKeyCheck(hop.name, hop.address, hop.port, {
    ...settings.hostKeys,
    knownHostsFiles: [...hop.knownHostsFiles, ...settings.hostKeys.knownHostsFiles],
  });
  const { methods, skipped } = await authMethods(hop.user, hop.identityFiles, settings.auth);
  const tried = [...skipped];
  let hostKeyError: Error | undefined;
  let hostKey: Buffer = Buffer.alloc(0);
  const ssh = new NodeSSH();
  // Started only now: node-ssh hands the socket to ssh2 without waiting, so ssh2 sees the command's every end.
  const proxy = !sock && hop.proxyCommand !== undefined ? openProxyCommand(hop.proxyCommand) : undefined;
  const transport = sock ?? proxy?.sock;
  const config: Config = {
    ...(transport ? { sock: transport } : { host: hop.address }),
    port: hop.port,
    username: hop.user,
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: 15_000,
    ...(check.algorithms ? { algorithms: { serverHostKey: check.algorithms } } : {}),
    hostVerifier: (key: Buffer, verify: VerifyCallback) => {
      check.verify(key).then(
        () => {
          hostKey = key;
          verify(true);
        },
        (error: Error) => {
          hostKeyError = error;
          verify(false);
        },
      );
    },
    authHandler: (_left, _partial, next) => {
      const method = methods.shift();
      // ssh2 ends authentication when handed `false`; its type for `next` leaves that out.
      if (!method) return (next as (auth: AnyAuthMethod | false) => void)(false);
      tried.push(method.label);
      next(method.auth);
    },
  };
  try {
    await ssh.connect(config);
  } catch (error) {
    ssh.dispose();
    const failure = hostKeyError ?? connectFailure(hop, error, tried);
    if (!proxy) throw failure;
    // The command ending first is the cause; otherwise it only carried the failure.
    const ended = hostKeyError || failure instanceof AuthenticationError ? undefined : await proxy.outcome();
    proxy.close();
    if (!ended) throw failure;
    throw new ConnectionError(hop.name, hop.address, hop.port, `ProxyCommand '${proxy.command}' ${ended}`, { retryable: false, cause: error });
  }
  // node-ssh drops its error listener once ready; without one a later network error would kill the process.
  ssh.connection?.on('error', () => undefined);
  return { ssh, hostKey, ...(proxy ? { proxy } : {}) };
}

function forward(ssh: NodeSSH, next: HostTarget): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    (ssh.connection as Client).forwardOut('127.0.0.1', 0, next.address, next.port, (error, channel) => {
      if (error) reject(new ConnectionError(next.name, next.address, next.port, `jump host could not reach it: ${error.message}`, { retryable: true, cause: error }));
      else resolve(channel);
    });
  });
}

/**
 * Opens an SSH connection to `target`, through its jump hosts or the first hop's ProxyCommand;
 * give it to {@link runTask} as `connect` to change the SSH settings.
 *
 * @example
 * ```ts
 * const ssh = { ...defaultSshSettings(), hostKeys: { knownHostsFiles: ['lab/known_hosts'], recordFile: 'lab/known_hosts', acceptNew: true } };
 * await runTask({ task, hosts, connect: (host) => connectSsh(host, ssh) });
 * ```
 */
export async function connectSsh(target: HostTarget, settings: SshSettings): Promise<Connection> {
  const hops = [...target.jumps, target];
  const opened: Hop[] = [];
  let sock: Duplex | undefined;
  try {
    for (const [index, hop] of hops.entries()) {
      const connected = await connectHop(hop, settings, sock);
      opened.push(connected);
      const next = hops[index + 1];
      if (next) sock = await forward(connected.ssh, next);
    }
  } catch (error) {
    closeHops(opened);
    throw error;
  }
  return new SshConnection(target, opened);
}

function closeHops(hops: readonly Hop[]): void {
  for (const { ssh, proxy } of [...hops].reverse()) {
    ssh.dispose();
    proxy?.close();
  }
}

class SshConnection implements Connection {
  private closed = false;

  constructor(
    readonly host: HostTarget,
    private readonly hops: readonly Hop[],
  ) {}

  get hostKey(): Buffer {
    return this.hops[this.hops.length - 1]!.hostKey;
  }

  private get ssh(): NodeSSH {
    return this.hops[this.hops.length - 1]!.ssh;
  }

  exec(text: string, options: ExecOptions): Promise<ExecResult> {
    const client = this.ssh.connection;
    if (!client) return Promise.reject(new ConnectionError(this.host.name, this.host.address, this.host.port, 'connection was lost', { retryable: false }));
    if (options.signal?.aborted) return Promise.resolve(NOT_STARTED);
    return new Promise((resolve, reject) => {
      client.exec(text, (error, channel: ClientChannel) => {
        if (error) return reject(new ConnectionError(this.host.name, this.host.address, this.host.port, `cannot start a command: ${error.message}`, { retryable: false, cause: error }));
        resolve(runOnChannel(channel, options, () => this.closed));
      });
    });
  }

  async put(localPath: string, remotePath: string): Promise<void> {
    try {
      await this.ssh.putFile(localPath, remotePath);
    } catch (error) {
      throw new TransferError(this.host.name, 'put', localPath, remotePath, (error as Error).message, { cause: error });
    }
  }

  async putRange(localPath: string, remotePath: string, options: PutRangeOptions): Promise<void> {
    let sftp: SFTPWrapper | undefined;
    const client = this.ssh.connection;
    let lost: (() => void) | undefined;
    try {
      sftp = await this.ssh.requestSFTP();
      const sink = sftp.createWriteStream(remotePath, { flags: options.start > 0 ? 'r+' : 'w', start: options.start, mode: 0o600 });
      // ssh2 fails only the requests in flight when the connection goes; a write still waiting (rate limit) would wait forever.
      lost = () => sink.emit('error', new Error('the connection was closed'));
      sftp.once('close', lost);
      client?.once('close', lost);
      await pipeRange(localPath, options, sink);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new TransferError(this.host.name, 'put', localPath, remotePath, (error as Error).message, { cause: error });
    } finally {
      if (lost) {
        sftp?.off('close', lost);
        client?.off('close', lost);
      }
      sftp?.end();
    }
  }

  async get(remotePath: string, localPath: string): Promise<void> {
    try {
      await this.ssh.getFile(localPath, remotePath);
    } catch (error) {
      throw new TransferError(this.host.name, 'get', localPath, remotePath, (error as Error).message, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    closeHops(this.hops);
  }
}
