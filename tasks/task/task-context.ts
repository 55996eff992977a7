// What a task body gets for one host: run, sudo, put, upload, get, scoped cd and env, facts, dry-run
// and `local` (a command on the operator's machine), all reporting through events. Scopes live
// in AsyncLocalStorage so parallel branches of one body never see each other's cd or env
// (zx's model, without globals). The host is reached through a Connection (SSH, or the local
// transport in tests); `local` always goes through the local transport.
import { AsyncLocalStorage } from 'node:async_hooks';
import { posix } from 'node:path';
import { hostCloudlet, type CloudletApi } from '../cloudlet/host-cloudlet.js';
import { sh, toCommand, type Command } from '../command/command.js';
import type { Masker } from '../command/masker.js';
import { ABORT_MARGIN_MS, DEFAULT_GRACE_MS, type Connection } from '../connection/connection.js';
import { connectLocal } from '../connection/local-connection.js';
import { CommandError, CommandInterruptedError, CommandTimeoutError, UsageError } from '../errors.js';
import type { Fact } from '../facts/fact.js';
import type { HostTarget } from '../inventory/host-target.js';
import type { EventSink, StepEvent } from '../run/events.js';
import type { Progress } from '../../sdk/progress/index.js';
import { resumableUpload, type UploadOptions, type UploadResult } from '../transfer/resumable-upload.js';
import { LineSplitter } from './line-splitter.js';
import { guardCommand } from './remote-guard.js';
import { stagingDir } from './staging-dir.js';
import { checkSudoOutcome, probeSudo, sudoInvocation, type SudoMode } from './sudo.js';

/** Options of ctx.run: whether a non-zero exit throws (`check`), a timeout, stdin, quiet output. */
export interface RunOptions {
  /** Throw CommandError on a non-zero exit (default true). */
  readonly check?: boolean;
  /** Overrides the run's --command-timeout for this command, in ms. */
  readonly timeoutMs?: number;
  /** Data for the command's stdin; it travels over the connection, never in the command line. */
  readonly stdin?: string | Uint8Array;
  /**
   * When the run is aborted (Ctrl-C) or the connection lost, the command gets TERM and this long
   * to clean up before KILL, in ms (default 5 s). The abort waits for it.
   */
  readonly graceMs?: number;
  /** Emit no events for this command (fact probes); the result still has its output. */
  readonly quiet?: boolean;
  /** Receives each stdout line instead of `output` events (a remote `cloudlet --json`); stderr lines stay events. */
  readonly onStdoutLine?: (line: string) => void;
}

/** Options of ctx.local: those of ctx.run plus the working directory and environment. */
export interface LocalOptions extends RunOptions {
  /** Working directory on the operator's machine (ctx.cd names the host's directories and does not apply). */
  readonly cwd?: string;
  /** Extra environment variables (ctx.withEnv does not apply). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Options of ctx.sudo: those of ctx.run plus the user to become. */
export interface SudoOptions extends RunOptions {
  /** Run as this user instead of root. */
  readonly user?: string;
}

/** What a finished command gave: exit code and output, secrets masked. */
export interface CommandResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Options of ctx.put: install it as root (`sudo`), with a mode and an owner. */
export interface PutOptions {
  /** Install the file with root rights (upload into a private temp directory, then `install`). */
  readonly sudo?: boolean;
  /** Octal mode such as '0644'. */
  readonly mode?: string;
  readonly owner?: string;
  /** With `owner` or `sudo`: the file's group (default the owner's login group). */
  readonly group?: string;
}

/** What a task body gets on each host: the host, its options, and commands, files, facts and logging on it. */
export interface TaskContext<O = Readonly<Record<string, unknown>>> {
  readonly host: Pick<HostTarget, 'name' | 'address' | 'port' | 'user' | 'vars' | 'groups' | 'jumps' | 'proxyCommand'>;
  /** The host key verified when the run connected (SSH wire format); undefined for the local transport. */
  readonly hostKey: Buffer | undefined;
  /** The host's position among the run's hosts (0, 1, …): `{index}` in VM names. */
  readonly index: number;
  /** The SDK on this host: push bases, synthesize VMs, list and remove them (tasks/cloudlet/). */
  readonly cloudlet: CloudletApi;
  readonly options: O;
  /** Words after `--` on the command line. */
  readonly args: readonly string[];
  /** True under --dry-run: read facts, report what would change, change nothing. */
  readonly dryRun: boolean;
  /** The run's abort (Ctrl-C), for a body's own long work (ctx.run and the others follow it already). */
  readonly signal: AbortSignal | undefined;
  /**
   * Runs a command on the host as the login user; a non-zero exit throws CommandError unless
   * `check: false`. Build commands with `sh` so every value is quoted; a string runs as written.
   */
  run(command: Command | string, options?: RunOptions): Promise<CommandResult>;
  /**
   * Runs a command on the operator's machine (Fabric's `c.local`) with /bin/sh: masked in events,
   * CommandError on a non-zero exit unless `check: false`, the same --command-timeout. Like `run`,
   * it runs under --dry-run too: check `ctx.dryRun` before a local command that changes something.
   *
   * @example const rev = (await ctx.local('git rev-parse HEAD', { cwd: ctx.options.repo })).stdout.trim();
   */
  local(command: Command | string, options?: LocalOptions): Promise<CommandResult>;
  /** Runs a command as root (or `user`) through sudo, answering its password prompt when the run has one. */
  sudo(command: Command | string, options?: SudoOptions): Promise<CommandResult>;
  /** Uploads a local file; with `sudo`, `mode` and `owner` it is installed as root would. */
  put(localPath: string, remotePath: string, options?: PutOptions): Promise<void>;
  /**
   * Uploads a big local file as the login user, resumably: the bytes go to `<remotePath>.part`
   * (0600; missing directories are made 0700), a later call continues a partial upload after
   * checking its bytes, and the whole file's SHA-256 is checked before it is renamed to
   * `remotePath` (0600). A file already there with that SHA-256 is not sent again; a cut
   * connection, an abort or a full disk (UploadNoSpaceError) keep the partial for the next call;
   * a corrupt result is removed (UploadCorruptError). Progress goes out as phase `upload`.
   *
   * @example const { skipped, sentBytes } = await ctx.upload('base.zip', 'bases/base.zip', { bytesPerSecond: 50e6 });
   */
  upload(localPath: string, remotePath: string, options?: UploadOptions): Promise<UploadResult>;
  /** Downloads a file of the host. */
  get(remotePath: string, localPath: string): Promise<void>;
  /** Runs `body` with commands executed in `dir` (relative to an outer cd). */
  cd<T>(dir: string, body: () => Promise<T>): Promise<T>;
  /** Runs `body` with extra environment variables for its commands. */
  withEnv<T>(env: Readonly<Record<string, string>>, body: () => Promise<T>): Promise<T>;
  /** Gathers a fact once per host and run. */
  fact<T>(fact: Fact<T>): Promise<T>;
  /** Reports a line of progress. */
  log(message: string): void;
  /** Reports what a host step did (a typed `step` event; renderers print it as log lines did). */
  reportStep(step: Omit<StepEvent, 'type' | 'host'>): void;
  /** Reports progress of long work on the host (an SDK progress event; renderers show phase and bytes). */
  reportProgress(progress: Progress): void;
  /**
   * One value per run under `key`, made by `create` on first use and shared by every host's body:
   * for tasks whose hosts work together (push-base --relay hands an archive from host to host).
   */
  runShared<T>(key: string, create: (run: RunScope) => T): T;
}

/** What a run's hosts share (see {@link TaskContext.runShared}). */
export interface RunScope {
  /** The names of the run's hosts, in order. */
  readonly hosts: readonly string[];
  /** Hosts worked on at once. */
  readonly parallel: number;
  /** The run's abort (Ctrl-C), if it can be aborted. */
  readonly signal?: AbortSignal;
}

export interface ContextSettings {
  readonly dryRun: boolean;
  /** The host's position among the run's hosts. */
  readonly index?: number;
  /**
   * The run's abort: a command in flight then gets TERM, is waited for (its grace), and throws
   * CommandInterruptedError. Commands started after it run as usual (a body's cleanup); the
   * runner bounds them (see {@link HostContext.abortWindowMs}).
   */
  readonly signal?: AbortSignal;
  readonly commandTimeoutMs?: number;
  readonly sudoPassword?: string;
  readonly masker: Masker;
  readonly emit: EventSink;
  /** The run this host belongs to; a context without one shares only with itself. */
  readonly run?: RunScope & { readonly shared: Map<string, unknown> };
}

interface Scope {
  readonly cwd?: string;
  readonly env: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TAIL_LINES = 20;

interface Target {
  readonly connection: Connection;
  /** On the operator's machine: no remote guard (the local transport kills the process tree itself). */
  readonly local: boolean;
  readonly sudo?: { readonly mode: SudoMode; readonly user?: string };
}

function checkEnvNames(env: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) throw new UsageError(`invalid environment variable name '${name}'`);
  }
}

/** Prefixes shell text with a cd and exports. */
function inScope(text: string, cwd: string | undefined, env: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  if (cwd) parts.push(sh`cd ${cwd}`.text);
  for (const [name, value] of Object.entries(env)) parts.push(`export ${name}=${sh`${value}`.text}`);
  return [...parts, text].join(' && ');
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

export class HostContext<O> implements TaskContext<O> {
  readonly #scope = new AsyncLocalStorage<Scope>();
  readonly #facts = new Map<string, Promise<unknown>>();
  #sudoMode: Promise<SudoMode> | undefined;
  #local: Connection | undefined;
  #cloudlet: CloudletApi | undefined;
  #run: NonNullable<ContextSettings['run']> | undefined;
  /** The grace of each command in flight. */
  readonly #graces = new Set<{ readonly graceMs: number }>();

  constructor(
    private readonly connection: Connection,
    readonly options: O,
    readonly args: readonly string[],
    private readonly settings: ContextSettings,
  ) {}

  get host(): TaskContext['host'] {
    return this.connection.host;
  }

  get signal(): AbortSignal | undefined {
    return this.settings.signal;
  }

  get hostKey(): Buffer | undefined {
    return this.connection.hostKey;
  }

  runShared<T>(key: string, create: (run: RunScope) => T): T {
    this.#run ??= this.settings.run ?? { hosts: [this.host.name], parallel: 1, shared: new Map() };
    const { shared, ...run } = this.#run;
    if (!shared.has(key)) shared.set(key, create(run));
    return shared.get(key) as T;
  }

  get dryRun(): boolean {
    return this.settings.dryRun;
  }

  get index(): number {
    return this.settings.index ?? 0;
  }

  get cloudlet(): CloudletApi {
    this.#cloudlet ??= hostCloudlet(this as unknown as TaskContext);
    return this.#cloudlet;
  }

  run(command: Command | string, options: RunOptions = {}): Promise<CommandResult> {
    const cmd = toCommand(command);
    return this.execute(cmd, this.scoped(cmd.text), options, { connection: this.connection, local: false });
  }

  async local(command: Command | string, options: LocalOptions = {}): Promise<CommandResult> {
    const cmd = toCommand(command);
    checkEnvNames(options.env ?? {});
    this.#local ??= connectLocal();
    return this.execute(cmd, inScope(cmd.text, options.cwd, options.env ?? {}), options, { connection: this.#local, local: true });
  }

  async sudo(command: Command | string, options: SudoOptions = {}): Promise<CommandResult> {
    this.#sudoMode ??= probeSudo(this.connection, this.settings.sudoPassword);
    const mode = await this.#sudoMode;
    const cmd = toCommand(command);
    return this.execute(cmd, this.scoped(cmd.text), options, {
      connection: this.connection,
      local: false,
      sudo: { mode, ...(options.user ? { user: options.user } : {}) },
    });
  }

  /** Stops the operator-side commands still running; the runner closes the host connection itself. */
  async close(): Promise<void> {
    await this.#local?.close();
  }

  /**
   * How long, from an abort, the commands in flight may take to end: the longest grace among
   * them, the transports' margin, and as much again for the body's own cleanup.
   */
  abortWindowMs(): number {
    return Math.max(DEFAULT_GRACE_MS, ...[...this.#graces].map((entry) => entry.graceMs)) + 2 * ABORT_MARGIN_MS;
  }

  async put(localPath: string, remotePath: string, options: PutOptions = {}): Promise<void> {
    const target = this.resolvePath(remotePath);
    if (!options.sudo && !options.owner) {
      await this.connection.put(localPath, target);
      if (options.mode) await this.run(sh`chmod ${options.mode} ${target}`, { quiet: true });
      return;
    }
    const staging = await stagingDir(this.connection);
    const owner = options.owner ? sh`-o ${options.owner}` : sh``;
    const group = options.group ? sh`-g ${options.group}` : sh``;
    try {
      await this.connection.put(localPath, staging.file);
      await this.sudo(sh`install -D -m ${options.mode ?? '0644'} ${owner} ${group} ${staging.file} ${target}`, { quiet: true });
    } finally {
      await staging.release();
    }
  }

  upload(localPath: string, remotePath: string, options: UploadOptions = {}): Promise<UploadResult> {
    const { connection } = this;
    const target = {
      host: this.host.name,
      run: (command: Command) => this.run(command, { quiet: true }),
      putRange: connection.putRange.bind(connection),
      progress: (progress: Progress) => this.reportProgress(progress),
    };
    // Ctrl-C stops sending (the partial stays for the next run) instead of waiting for the last byte.
    const signal = options.signal ?? this.settings.signal;
    return resumableUpload(target, localPath, this.resolvePath(remotePath), { ...options, ...(signal ? { signal } : {}) });
  }

  get(remotePath: string, localPath: string): Promise<void> {
    return this.connection.get(this.resolvePath(remotePath), localPath);
  }

  cd<T>(dir: string, body: () => Promise<T>): Promise<T> {
    const current = this.#scope.getStore() ?? { env: {} };
    return this.#scope.run({ ...current, cwd: this.resolvePath(dir) }, body);
  }

  withEnv<T>(env: Readonly<Record<string, string>>, body: () => Promise<T>): Promise<T> {
    checkEnvNames(env);
    const current = this.#scope.getStore() ?? { env: {} };
    return this.#scope.run({ ...current, env: { ...current.env, ...env } }, body);
  }

  fact<T>(fact: Fact<T>): Promise<T> {
    let pending = this.#facts.get(fact.name);
    if (!pending) {
      pending = this.run(fact.command, { check: false, quiet: true }).then((result) => fact.parse(result.stdout, result.exitCode));
      this.#facts.set(fact.name, pending);
    }
    return pending as Promise<T>;
  }

  log(message: string): void {
    this.settings.emit({ type: 'log', host: this.host.name, message });
  }

  reportStep(step: Omit<StepEvent, 'type' | 'host'>): void {
    this.settings.emit({ type: 'step', host: this.host.name, ...step });
  }

  reportProgress(progress: Progress): void {
    this.settings.emit({ type: 'progress', host: this.host.name, progress });
  }

  private resolvePath(path: string): string {
    const cwd = this.#scope.getStore()?.cwd;
    return cwd && !path.startsWith('/') ? posix.join(cwd, path) : path;
  }

  private scoped(text: string): string {
    const scope = this.#scope.getStore();
    return scope ? inScope(text, scope.cwd, scope.env) : text;
  }

  /** Runs `scopedText` (`cmd` inside its cd and env) on the target; events and errors show `cmd` as given. */
  private async execute(cmd: Command, scopedText: string, options: RunOptions, target: Target): Promise<CommandResult> {
    const { masker, emit } = this.settings;
    const { sudo, local } = target;
    masker.add(...cmd.secrets);
    const display = masker.mask(cmd.text);
    const host = this.host.name;
    if (!options.quiet) emit({ type: 'command', host, command: display, sudo: sudo !== undefined, ...(local ? { local } : {}) });
    const lines = new LineSplitter((stream, line) => {
      if (stream === 'stdout' && options.onStdoutLine) options.onStdoutLine(line);
      else emit({ type: 'output', host, stream, line: masker.mask(line) });
    });
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    const stdinBytes = options.stdin === undefined ? 0 : typeof options.stdin === 'string' ? Buffer.byteLength(options.stdin) : options.stdin.length;
    // The transport's own timer decides a timeout: an exit code (even `timeout`'s 124) never does.
    const text = local ? scopedText : guardCommand(scopedText, { stdinBytes, graceMs });
    const invocation = sudo ? sudoInvocation(sudo.mode, text, this.settings.sudoPassword, sudo.user) : undefined;
    const responder = invocation?.responder;
    // A command started after the abort is a body's cleanup: it runs as usual.
    const signal = this.settings.signal?.aborted ? undefined : this.settings.signal;
    const grace = { graceMs };
    this.#graces.add(grace);
    const result = await target.connection
      .exec(invocation ? invocation.command.text : text, {
        display,
        graceMs,
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        ...(local ? {} : { holdStdin: true }),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(responder ? { responder } : {}),
        ...(signal ? { signal } : {}),
        ...(options.quiet && !options.onStdoutLine ? {} : { onData: (stream, chunk) => lines.push(stream, chunk) }),
      })
      .finally(() => this.#graces.delete(grace));
    lines.flush();
    const stdout = masker.mask(result.stdout);
    const stderr = masker.mask(result.stderr);
    if (result.stopped === 'aborted') throw new CommandInterruptedError(host, display, result.exitCode !== null || result.signal !== null, result.exitCode);
    if (sudo && result.exitCode !== 0) checkSudoOutcome(host, stderr, result.stopped === 'answer-refused');
    if (result.stopped === 'timeout') throw new CommandTimeoutError(host, display, timeoutMs ?? 0);
    if (result.exitCode !== 0 && options.check !== false) {
      throw new CommandError(host, display, result.exitCode, result.signal, tail(stdout), tail(stderr));
    }
    return { command: display, exitCode: result.exitCode ?? -1, stdout, stderr, durationMs: Date.now() - started };
  }
}
