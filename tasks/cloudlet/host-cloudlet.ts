// `ctx.cloudlet`: what a task body does with the SDK on its host, typed. Each method runs the
// host's `cloudlet` (its progress streams to the run), returns a typed result and throws typed
// errors: RemoteCloudletError keeps the host's error code, CloudletVersionError says the host
// needs `install`.
import type { TaskContext } from '../task/task-context.js';
import type { BaseArchive } from './base-source.js';
import type { FetchedOverlay, RemoteOverlayOptions } from './create-overlay.js';
import type { PushBaseResult, TransferOptions } from './push-base.js';
import { RemoteCloudlet, type RemoteBase, type RemoteCloudletSettings, type RemoteVm } from './remote-cloudlet.js';
import type { SynthesizedVm, SynthesizeOptions } from './synthesize.js';

/** The SDK on the task's host (`ctx.cloudlet`). */
export interface CloudletApi {
  /** The same API with other settings (VM user, cloudlet directory, deploy on a build mismatch). */
  with(settings: RemoteCloudletSettings): CloudletApi;
  /** The bases registered on the host. */
  bases(): Promise<RemoteBase[]>;
  /** The synthesized VMs on the host, with their state. */
  vms(): Promise<RemoteVm[]>;
  /**
   * Puts a base on the host: an archive path, or a base of the operator's registry (exported
   * once). Skipped when the host has its ID; resumable; reports `would-import` under --dry-run.
   *
   * @example const { status } = await ctx.cloudlet.pushBase('bases/debian-12.zip', { bytesPerSecond: 20e6 });
   */
  pushBase(base: string | BaseArchive, options?: TransferOptions & { cloudletDir?: string }): Promise<PushBaseResult>;
  /**
   * A new VM from a base on the host and an overlay file (uploaded once, kept by SHA-256) or URL.
   *
   * @example const vm = await ctx.cloudlet.synthesize(baseId, 'overlays/web.zip', { name: `web-${ctx.host.name}` });
   */
  synthesize(base: string, overlay: string, options: SynthesizeOptions): Promise<SynthesizedVm>;
  /** Customizes a VM from the host's base and fetches the overlay to `options.fetch`. */
  createOverlay(base: string, options: RemoteOverlayOptions): Promise<FetchedOverlay>;
  /** Stops a synthesized VM and removes its domain, files and record. */
  destroy(name: string): Promise<{ name: string; id: string }>;
  /** Unregisters a base and deletes its files. */
  deleteBase(base: string): Promise<{ id: string; name: string }>;
  /** Any `cloudlet` command with `--json`; returns its result line. */
  command(args: readonly string[]): Promise<Readonly<Record<string, unknown>>>;
}

export function hostCloudlet(ctx: TaskContext, settings: RemoteCloudletSettings = {}): CloudletApi {
  const remote = new RemoteCloudlet(ctx, settings);
  return {
    with: (next) => hostCloudlet(ctx, { ...settings, ...next }),
    bases: () => remote.bases(),
    vms: () => remote.vms(),
    // The operations load the SDK's base and overlay code (and its host programs) only when used:
    // `cloudlet-tasks/tasks` stays loadable from a CommonJS tasks file, which cannot require them.
    pushBase: async (base, options = {}) => {
      const [{ baseArchive }, { pushBase }] = await Promise.all([import('./base-source.js'), import('./push-base.js')]);
      const archive = typeof base === 'string' ? await baseArchive(base, options.cloudletDir ? { cloudletDir: options.cloudletDir } : {}) : base;
      return pushBase(ctx, remote, archive, options);
    },
    synthesize: async (base, overlay, options) => (await import('./synthesize.js')).synthesize(ctx, remote, base, overlay, options),
    createOverlay: async (base, options) => (await import('./create-overlay.js')).createOverlay(ctx, remote, base, options),
    destroy: async (name) => (await remote.command(['destroy', name]))['destroyed'] as { name: string; id: string },
    deleteBase: async (base) => (await remote.command(['del-base', base]))['deleted'] as { id: string; name: string },
    command: (args) => remote.command(args),
  };
}
