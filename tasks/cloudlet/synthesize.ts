// ctx.cloudlet.synthesize: a VM from a base on the host and an overlay from the operator (or an
// http(s) URL the host fetches itself). A local overlay is checked against the base on the
// operator's side before a byte is sent; it is uploaded resumably into the host's overlay cache,
// keyed by its SHA-256, and kept there: the next VM from the same overlay sends nothing. The host's
// `cloudlet synthesis` then rebuilds the VM and resumes it; its progress streams to the run.
// With `server`, the host's synthesis server does it instead (server-synthesis.ts).
import { openOverlayPackage } from '../../sdk/overlay/package/index.js';
import type { UploadResult } from '../transfer/resumable-upload.js';
import type { TaskContext } from '../task/task-context.js';
import { OverlayForOtherBaseError, RemoteBaseUnknownError } from './errors.js';
import { fileSha256 } from './file-digest.js';
import type { TransferOptions } from './push-base.js';
import type { RemoteCloudlet } from './remote-cloudlet.js';

/** Overlays wait on the host here (relative to the login user's home), named by their SHA-256. */
export const OVERLAY_DIR = '.cache/cloudlet-tasks/overlays';

/** The new VM's name, its port forwards, and how the overlay goes up. */
export interface SynthesizeOptions extends TransferOptions {
  /** The new VM's name on the host. */
  readonly name: string;
  /** Port forwards, as `cloudlet synthesis --forward` takes them (`tcp:127.0.0.1:2222:22`). */
  readonly forwards?: readonly string[];
  /** Go through the host's synthesis server (`cloudlet serve`) over HTTPS instead of SSH. */
  readonly server?: SynthesisServerOptions;
}

/** Where a host's synthesis server is and how the runner proves itself to it and checks it. */
export interface SynthesisServerOptions {
  /** https://HOST[:PORT]; default https://<the host's address>:8021. */
  readonly url?: string;
  /** The file on the operator's machine that holds the token `cloudlet token create` printed on the host. */
  readonly tokenFile: string;
  /**
   * The certificate's `SHA256:…` fingerprint. Default: the host's self-signed certificate's, read
   * over the run's SSH connection; a host without one must present a certificate the system's CAs vouch for.
   */
  readonly pin?: string;
}

/** A VM synthesized and resumed on a host. */
export interface SynthesizedVm {
  readonly name: string;
  readonly id: string;
  /** The base it runs on (full ID). */
  readonly base: string;
  /** From the start of `cloudlet synthesis` on the host (through a server: from the first byte sent) to the resumed VM. */
  readonly resumedMs: number;
  /** The VM's serial console log on the host; `cloudlet console NAME` there types on it. */
  readonly console: string;
  readonly forwards: readonly unknown[];
  readonly upload?: Pick<UploadResult, 'sentBytes' | 'resumedFrom' | 'skipped' | 'durationMs'>;
}

/** The overlay's base ID, read from its meta on the operator's machine. */
export async function overlayBaseId(overlay: string): Promise<string> {
  const pkg = await openOverlayPackage(overlay, { expectedBaseVmId: null });
  try {
    return pkg.meta.baseVmId;
  } finally {
    await pkg.close();
  }
}

/** The host's base that `ref` names: a full ID, an ID prefix or a name; else RemoteBaseUnknownError. */
export function pickBase<B extends { readonly id: string; readonly name: string }>(host: string, ref: string, bases: readonly B[]): B {
  const found = bases.filter((base) => base.id === ref || base.name === ref || (ref.length >= 4 && base.id.startsWith(ref)));
  if (found.length !== 1) throw new RemoteBaseUnknownError(host, ref, bases.map((base) => `${base.id.slice(0, 12)} (${base.name})`));
  return found[0]!;
}

export function isUrl(overlay: string): boolean {
  return /^https?:\/\//i.test(overlay);
}

/** The checks before anything is sent: the host has the base (`bases`: what it lists), and a local overlay was made from it. */
export async function checkSynthesis<B extends { readonly id: string; readonly name: string }>(host: string, bases: readonly B[], baseRef: string, overlay: string): Promise<B> {
  const base = pickBase(host, baseRef, bases);
  if (!isUrl(overlay)) {
    const wanted = await overlayBaseId(overlay);
    if (wanted !== base.id) throw new OverlayForOtherBaseError(overlay, base.id, wanted);
  }
  return base;
}

export async function synthesize(ctx: TaskContext, remote: RemoteCloudlet, baseRef: string, overlay: string, options: SynthesizeOptions): Promise<SynthesizedVm> {
  if (options.server) return (await import('./server-synthesis.js')).synthesizeThroughServer(ctx, remote, baseRef, overlay, { ...options, server: options.server });
  const base = await checkSynthesis(ctx.host.name, await remote.bases(), baseRef, overlay);
  let upload: UploadResult | undefined;
  if (!isUrl(overlay)) {
    const sha256 = await fileSha256(overlay);
    upload = await ctx.upload(overlay, `${OVERLAY_DIR}/${sha256}.zip`, { sha256, ...(options.bytesPerSecond ? { bytesPerSecond: options.bytesPerSecond } : {}) });
  }
  const forwards = (options.forwards ?? []).flatMap((forward) => ['--forward', forward]);
  const result = await remote.withFile(upload?.path ?? overlay, (path) => remote.command(['synthesis', base.id, path, '--name', options.name, ...forwards]));
  const vm = result['vm'] as { name: string; id: string; console: string; forwards: unknown[] };
  return {
    name: vm.name,
    id: vm.id,
    base: base.id,
    resumedMs: Number(result['elapsedMs']),
    console: vm.console,
    forwards: vm.forwards,
    ...(upload ? { upload: { sentBytes: upload.sentBytes, resumedFrom: upload.resumedFrom, skipped: upload.skipped, durationMs: upload.durationMs } } : {}),
  };
}
