/**
 * The host programs the SDK runs (qemu-img, virsh, cp, ssh, flock, openssl) and what to do when one is missing:
 * execa reports a program that is not on PATH as a spawn error with code ENOENT, which would
 * otherwise surface as "qemu-img … failed (exit none)".
 */
import { ExecaError } from 'execa';
import { CloudletError } from '../sdk/errors/cloudlet-error.js';

/** Debian/Ubuntu packages that provide each program we run. */
const PACKAGES: Record<string, string> = {
  'qemu-img': 'qemu-utils',
  virsh: 'libvirt-clients',
  ssh: 'openssh-client',
  'ssh-keyscan': 'openssh-client',
  'ssh-keygen': 'openssh-client',
  cp: 'coreutils',
  flock: 'util-linux',
  openssl: 'openssl',
  fusermount: 'fuse',
};

/** A program the SDK needs is not installed (not on PATH). */
export class HostToolMissingError extends CloudletError {
  static override readonly code: string = 'native-tool-missing';
  readonly debianPackage: string | undefined;
  constructor(readonly tool: string, options?: ErrorOptions) {
    const debianPackage = PACKAGES[tool];
    super(`${tool} is not installed on this host${debianPackage ? ` (apt install ${debianPackage})` : ''}; \`cloudlet-tasks install\` sets hosts up with everything cloudlet needs`, options);
    this.debianPackage = debianPackage;
  }
}

/**
 * HostToolMissingError when `error` is execa's report that `tool` could not be started because it
 * is not on PATH; undefined for any other failure.
 *
 * @example catch (error) { throw missingTool(error, 'qemu-img') ?? new QemuImgError(…) }
 */
export function missingTool(error: unknown, tool: string): HostToolMissingError | undefined {
  if (!(error instanceof ExecaError) || error.exitCode !== undefined) return undefined;
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code ?? (error as { code?: string }).code;
  return code === 'ENOENT' ? new HostToolMissingError(tool, { cause: error }) : undefined;
}
