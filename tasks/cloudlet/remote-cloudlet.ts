// `ctx.cloudlet`: the SDK's `cloudlet` command run on the task's host as a typed API. Every call
// runs `cloudlet COMMAND … --json` (as the VM user when one is set: sudo -u, only then), streams
// its progress events to the run's renderer, and returns the command's result or throws a
// RemoteCloudletError that carries the remote error's code. Before the first call the host's
// deployed build is compared with this operator's (the version guard).
import { posix } from 'node:path';
import { sh, type Command } from '../command/command.js';
import { systemInfo } from '../facts/index.js';
import { bundleKey } from '../install/bundle/host-bundle.js';
import { hostArch } from '../install/bundle/node-runtime.js';
import { WRAPPER_PATH } from '../install/steps/deploy-sdk.js';
import type { CommandResult, TaskContext } from '../task/task-context.js';
import { CloudletVersionError, RemoteCloudletError, RemoteProtocolError } from './errors.js';
import { CloudletLines } from './json-lines.js';

/** Where and as whom `cloudlet` runs on the host. */
export interface RemoteCloudletSettings {
  /** Run `cloudlet` as this user (sudo -u); default: the login user. */
  readonly vmUser?: string;
  /** The host's cloudlet directory (its `--cloudlet-dir`); default: the VM user's ~/.cloudlet. */
  readonly cloudletDir?: string;
  /** Where `install` deployed the SDK (its --prefix). Default /opt/cloudlet-tasks. */
  readonly prefix?: string;
  /** Update a host that runs another build (install's deploy-sdk step, with sudo) instead of failing it. */
  readonly deploy?: (ctx: TaskContext) => Promise<void>;
}

/** A base as the host's `cloudlet list-base --json` describes it (the fields the runner reads). */
export interface RemoteBase {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly diskSize: number;
  readonly hardware: { readonly memoryMiB: number; readonly vcpus: number };
}

/** A synthesized VM as the host's `cloudlet list --json` describes it (the fields the runner reads). */
export interface RemoteVm {
  readonly name: string;
  readonly id: string;
  readonly uuid: string;
  readonly state: string;
  readonly createdAt: string;
  /** The base's ID, the overlay (path or URL) and its SHA-256 (absent for VMs synthesized before it was recorded). */
  readonly origin: { readonly base?: string; readonly overlay?: string; readonly overlaySha256?: string };
  readonly files: { readonly console: string };
  readonly forwards: readonly { readonly hostAddress?: string; readonly hostPort: number; readonly guestPort: number; readonly protocol: string }[];
}

/** A remote `cloudlet` command; its Ctrl-C cleanup (destroy the domain, remove files) gets this long before KILL. */
const CLEANUP_GRACE_MS = 60_000;

export class RemoteCloudlet {
  #checked: Promise<void> | undefined;

  constructor(
    private readonly ctx: TaskContext,
    private readonly settings: RemoteCloudletSettings = {},
  ) {}

  /** The user `cloudlet` runs as on this host. */
  get vmUser(): string {
    return this.settings.vmUser ?? this.ctx.host.user;
  }

  /** Whether commands go through `sudo -u`. */
  get asOtherUser(): boolean {
    return this.settings.vmUser !== undefined && this.settings.vmUser !== this.ctx.host.user;
  }

  /**
   * Fails the host unless it runs this operator's build of the SDK (the bundle key: version, CPU
   * and a hash of the SDK's files), or deploys it when the settings say so. Checked once.
   */
  ensureBuild(): Promise<void> {
    this.#checked ??= this.checkBuild();
    return this.#checked;
  }

  /**
   * Runs `cloudlet ARGS --json` and returns its result line (without `v` and `kind`).
   *
   * @example const { vm } = await remote.command(['synthesis', base, overlay, '--name', 'web1']);
   */
  async command(args: readonly string[]): Promise<Readonly<Record<string, unknown>>> {
    await this.ensureBuild();
    const lines = new CloudletLines((event) => this.ctx.reportProgress(event));
    const result = await this.runCloudlet(args, lines.feed);
    const { outcome } = lines;
    const name = args[0] ?? '';
    if (outcome.kind === 'unreadable') throw new RemoteProtocolError(this.ctx.host.name, name, outcome.line, outcome.reason);
    if (outcome.kind === 'error') {
      const { name: remoteName, code, message, ...fields } = outcome.error;
      throw new RemoteCloudletError(this.ctx.host.name, name, code, remoteName, message, fields);
    }
    if (result.exitCode === 0 && outcome.kind === 'result') return outcome.value;
    throw this.failure(name, result);
  }

  /** Runs a listing command (`list`, `list-base`) whose `--json` output is one JSON array. */
  async query<T>(args: readonly string[]): Promise<T[]> {
    await this.ensureBuild();
    const result = await this.runCloudlet(args);
    if (result.exitCode !== 0) throw this.failure(args[0] ?? '', result);
    try {
      const value = JSON.parse(result.stdout) as unknown;
      if (Array.isArray(value)) return value as T[];
    } catch {
      // reported below
    }
    throw new RemoteProtocolError(this.ctx.host.name, args[0] ?? '', result.stdout, 'not a JSON array');
  }

  /** The bases registered on the host. */
  bases(): Promise<RemoteBase[]> {
    return this.query<RemoteBase>(['list-base']);
  }

  /** The synthesized VMs on the host. */
  vms(): Promise<RemoteVm[]> {
    return this.query<RemoteVm>(['list']);
  }

  /**
   * Runs `body` with a path of the login user's file that the VM user can read: the file itself,
   * or a 0600 copy owned by the VM user in its own temp directory (removed afterwards).
   */
  async withFile<T>(path: string, body: (path: string) => Promise<T>): Promise<T> {
    if (!this.asOtherUser) return body(path);
    return this.inVmUserDir(async (dir) => {
      await this.ctx.sudo(sh`install -m 0600 -o ${this.vmUser} ${path} ${dir}/`, { quiet: true });
      return body(`${dir}/${posix.basename(path)}`);
    });
  }

  /** Runs `body` with a directory the VM user can write: `loginDir` itself, or a temp directory of the VM user (removed afterwards). */
  withOutputDir<T>(body: (dir: string) => Promise<T>, loginDir: string): Promise<T> {
    return this.asOtherUser ? this.inVmUserDir(body) : body(loginDir);
  }

  /** A `mktemp -d` of the VM user for the length of `body`. */
  private async inVmUserDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
    const dir = (await this.asVmUser(sh`mktemp -d`)).stdout.trim();
    try {
      return await body(dir);
    } finally {
      await this.asVmUser(sh`rm -rf ${dir}`, { check: false });
    }
  }

  /** Copies a file the VM user wrote to `target`, owned by the login user (0600). */
  async takeBack(path: string, target: string): Promise<void> {
    await this.ctx.sudo(sh`install -m 0600 -o ${this.ctx.host.user} ${path} ${target}`, { quiet: true });
  }

  /** Runs shell text as the VM user (sudo -u when it is not the login user). */
  asVmUser(command: Command, options: { check?: boolean } = {}): Promise<CommandResult> {
    return this.asOtherUser ? this.ctx.sudo(command, { user: this.vmUser, quiet: true, ...options }) : this.ctx.run(command, { quiet: true, ...options });
  }

  private runCloudlet(args: readonly string[], onStdoutLine?: (line: string) => void): Promise<CommandResult> {
    const dir = this.settings.cloudletDir;
    const command = sh`${WRAPPER_PATH} ${args} ${dir === undefined ? [] : ['--cloudlet-dir', dir]} --json`;
    const options = { check: false, graceMs: CLEANUP_GRACE_MS, ...(onStdoutLine ? { onStdoutLine } : { quiet: true }) };
    return this.asOtherUser ? this.ctx.sudo(command, { ...options, user: this.vmUser }) : this.ctx.run(command, options);
  }

  /** A failure the command did not describe itself (killed, or no error line). */
  private failure(name: string, result: CommandResult): RemoteCloudletError {
    const tail = result.stderr.trimEnd().split('\n').slice(-5).join('\n');
    return new RemoteCloudletError(this.ctx.host.name, name, 'internal', 'Error', `exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}`, {});
  }

  private async checkBuild(): Promise<void> {
    const { arch: machine } = await this.ctx.fact(systemInfo);
    const arch = hostArch(machine);
    const expected = arch ? bundleKey(arch) : `(no build for ${machine})`;
    const deployed = await this.deployedKey();
    if (deployed === expected) return;
    if (!this.settings.deploy || !arch) throw new CloudletVersionError(this.ctx.host.name, deployed, expected);
    await this.settings.deploy(this.ctx);
    const now = await this.deployedKey();
    if (now !== expected) throw new CloudletVersionError(this.ctx.host.name, now, expected);
  }

  private async deployedKey(): Promise<string | null> {
    const prefix = this.settings.prefix ?? '/opt/cloudlet-tasks';
    const read = await this.ctx.run(sh`test -x ${WRAPPER_PATH} && cat ${`${prefix}/current/BUNDLE`}`, { check: false, quiet: true });
    return read.exitCode === 0 ? read.stdout.trim() : null;
  }
}
