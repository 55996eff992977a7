// ctx.cloudlet.createOverlay: customize a VM on the host (which has the base) and bring the
// overlay back to the operator. The script goes up into a private temp directory, the host's
// `cloudlet overlay` resumes the base, types or runs it and writes the overlay there, and the
// overlay comes down next to its destination (`.partial`, renamed when complete); an existing
// destination is never replaced. The host keeps nothing.
import { randomBytes } from 'node:crypto';
import { link, rm, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { sh } from '../command/command.js';
import { UsageError } from '../errors.js';
import type { TaskContext } from '../task/task-context.js';
import type { RemoteCloudlet } from './remote-cloudlet.js';
import { pickBase } from './synthesize.js';

/** What to change in the host's VM, and where the overlay lands here. */
export interface RemoteOverlayOptions {
  /** Where the overlay lands on the operator's machine; must not exist. */
  readonly fetch: string;
  /** A local file whose lines are typed on the VM's console (or run over SSH with `ssh`). */
  readonly script?: string;
  /** Lines typed on the console. */
  readonly type?: readonly string[];
  /** Further `cloudlet overlay` options as they are written there (`--wait-for`, `--settle`, `--timeout`, `--forward`, `--ssh`, …). */
  readonly cloudletArgs?: readonly string[];
}

/** An overlay made on a host and fetched to the operator's machine. */
export interface FetchedOverlay {
  readonly path: string;
  readonly base: string;
  readonly bytes: number;
  readonly durationMs: number;
}

export async function createOverlay(ctx: TaskContext, remote: RemoteCloudlet, baseRef: string, options: RemoteOverlayOptions): Promise<FetchedOverlay> {
  const started = Date.now();
  if (!options.script && !options.type?.length) throw new UsageError('overlay needs --script FILE or --type LINE: what to change in the VM');
  if (await stat(options.fetch).then(() => true, () => false)) throw new UsageError(`--fetch ${options.fetch} exists; give a new file name (an overlay is never written over a file)`);
  const base = pickBase(ctx.host.name, baseRef, await remote.bases());
  const dir = (await ctx.run('mktemp -d -t cloudlet-overlay.XXXXXXXXXX', { quiet: true })).stdout.trim();
  const partial = `${options.fetch}.partial-${randomBytes(4).toString('hex')}`;
  try {
    const script = options.script ? `${dir}/${basename(options.script)}` : undefined;
    if (script) await ctx.put(options.script!, script, { mode: '0600' });
    const output = `${dir}/overlay.zip`;
    const typed = (options.type ?? []).flatMap((line) => ['--type', line]);
    await remote.withOutputDir(async (outDir) => {
      const made = `${outDir}/overlay.zip`;
      const run = (scriptPath?: string) => remote.command(['overlay', base.id, ...(scriptPath ? ['--script', scriptPath] : []), ...typed, ...(options.cloudletArgs ?? []), '--output', made]);
      await (script ? remote.withFile(script, run) : run());
      if (made !== output) await remote.takeBack(made, output);
    }, dir);
    // Guest memory and disk: created private here, since SFTP would create it 0666 less the umask; it keeps this mode.
    await writeFile(partial, '', { flag: 'wx', mode: 0o600 });
    await ctx.get(output, partial);
    // link() refuses a destination created meanwhile, where rename() would replace it.
    await link(partial, options.fetch);
    return { path: options.fetch, base: base.id, bytes: (await stat(options.fetch)).size, durationMs: Date.now() - started };
  } finally {
    await rm(partial, { force: true });
    await ctx.run(sh`rm -rf ${dir}`, { quiet: true, check: false });
  }
}
