/** Errors of base VM handling. Each says what failed, where, and what to do, and carries its data. */
import { CloudletError, type ErrorCategory } from '../errors/cloudlet-error.js';
import { escapeControlCharacters } from '../text/index.js';

/** The root of the base VM registry errors; catch it for any of them. */
export class BaseError extends CloudletError {
  static override readonly code: string = 'base';
}

/** `cloudlet base` takes raw disks only: the base ID is the SHA-256 of the disk's bytes as the guest sees them. */
export class NotRawDiskError extends BaseError {
  static override readonly code: string = 'base-not-raw-disk';
  constructor(readonly path: string, readonly format: string) {
    super(`${path} is a ${format} image, not raw; convert it first: qemu-img convert -O raw ${path} disk.raw`);
  }
}

/** The disk is empty or its size is not whole 4 KiB chunks (hash lists and overlays work in chunks). */
export class DiskSizeError extends BaseError {
  static override readonly code: string = 'base-disk-size';
  constructor(readonly path: string, readonly size: number, readonly chunkSize: number) {
    super(`${path} is ${size} bytes; a base disk must be a non-empty multiple of ${chunkSize} bytes (qemu-img resize -f raw ${path} <size rounded up>)`);
  }
}

/** No registered base VM has this ID, ID prefix or name. */
export class BaseNotFoundError extends BaseError {
  static override readonly code: string = 'base-not-found';
  constructor(readonly ref: string, readonly registryDir: string) {
    super(`no base VM '${ref}' in ${registryDir} (cloudlet list-base shows the registered ones)`);
  }
}

/** A name or ID prefix that fits more than one base. */
export class AmbiguousBaseError extends BaseError {
  static override readonly code: string = 'base-ambiguous';
  constructor(readonly ref: string, readonly matches: readonly string[]) {
    super(`'${ref}' matches ${matches.length} base VMs (${matches.map((id) => id.slice(0, 12)).join(', ')}); give more of the ID`);
  }
}

/** A base VM with this disk (the same base ID) is registered already. */
export class DuplicateBaseError extends BaseError {
  static override readonly code: string = 'base-duplicate';
  constructor(readonly id: string, readonly dir: string) {
    super(`base VM ${id} is already registered at ${dir}; delete it first (cloudlet del-base ${id.slice(0, 12)}) to replace it`);
  }
}

/** A base.json that is not what this version writes (tampered with, or from a newer version). */
export class BaseRecordError extends BaseError {
  static override readonly code: string = 'base-record';
  constructor(readonly path: string, readonly field: string, readonly problem: string) {
    super(`${path}: ${field} ${problem}`);
  }
}

/** The cloudlet directory's file system has too little free space for the operation. */
export class NotEnoughSpaceError extends BaseError {
  static override readonly code: string = 'base-not-enough-space';
  constructor(readonly dir: string, readonly neededBytes: number, readonly availableBytes: number) {
    super(`${dir} has ${gib(availableBytes)} free but this needs about ${gib(neededBytes)}; free space or use another cloudlet directory`);
  }
}

/** QEMU runs as another user (libvirt-qemu under qemu:///system) and must traverse every directory down to the disk. */
export class CloudletDirUnreachableError extends BaseError {
  static override readonly code: string = 'base-cloudlet-dir-unreachable';
  constructor(readonly cloudletDir: string, readonly blockingDir: string, readonly mode: number) {
    super(
      `QEMU (user libvirt-qemu) cannot reach ${cloudletDir}: ${blockingDir} is mode ${mode.toString(8)} without search permission for others; ` +
        `run chmod o+x ${blockingDir}, or choose a cloudlet directory such as /var/lib/cloudlet (--cloudlet-dir or CLOUDLET_DIR)`,
    );
  }
}

/**
 * A base disk that VMs read as a shared backing file must be readable by QEMU's group (0640), and
 * this user cannot make it so: it is not in that group, or the file is not its own (an older
 * version let libvirt relabel it to QEMU's user).
 */
export class BaseDiskNotShareableError extends BaseError {
  static override readonly code: string = 'base-disk-not-shareable';
  constructor(readonly path: string, readonly problem: 'not-owner' | 'not-in-group', readonly ownerUid: number, readonly qemuGid: number, readonly qemuGroup: string) {
    super(
      problem === 'not-owner'
        ? `${path} belongs to uid ${ownerUid}, not to this user, so it cannot be shared read-only with QEMU's group ${qemuGroup}; take it back once: sudo chown "$(id -un):" ${path}`
        : `cannot give ${path} to QEMU's group ${qemuGroup} (gid ${qemuGid}): this user is not in it; add it (sudo usermod -aG ${qemuGroup} "$(id -un)", or run cloudlet-tasks install for the host) and log in again`,
    );
  }
}

/** A base whose disk VMs still read as their backing file (their disks are layers over it) cannot be deleted. */
export class BaseInUseError extends BaseError {
  static override readonly code: string = 'base-in-use';
  override readonly category: ErrorCategory = 'usage';
  constructor(readonly id: string, readonly baseName: string, readonly vmNames: readonly string[]) {
    super(
      `base ${baseName} (${id.slice(0, 12)}) is the backing disk of ${vmNames.length} VM${vmNames.length === 1 ? '' : 's'} (${vmNames.map((name) => escapeControlCharacters(name)).join(', ')}); `
        + `destroy ${vmNames.length === 1 ? 'it' : 'them'} first (${vmNames.map((name) => `cloudlet destroy ${escapeControlCharacters(name)}`).join('; ')}), then delete the base`,
    );
  }
}

/** Another command held the registry lock for too long. */
export class RegistryLockTimeoutError extends BaseError {
  static override readonly code: string = 'base-registry-lock-timeout';
  constructor(readonly lockFile: string, readonly ownerPid: number | undefined, readonly timeoutMs: number) {
    super(`the base registry is locked by pid ${ownerPid ?? '?'} (flock on ${lockFile}) for more than ${timeoutMs} ms; wait for that command to finish, or stop it (its lock ends with it)`);
  }
}

/** export-base never replaces a file. */
export class ArchiveExistsError extends BaseError {
  static override readonly code: string = 'base-archive-exists';
  constructor(readonly archive: string) {
    super(`${archive} already exists; choose another name or remove it first`);
  }
}

/** An archive member whose name could escape the target directory or is not one of ours. */
export class UnsafeArchiveMemberError extends BaseError {
  static override readonly code: string = 'base-archive-unsafe-member';
  constructor(readonly archive: string, readonly member: string, readonly problem: string) {
    super(`refusing ${archive}: member ${JSON.stringify(member)} ${problem}`);
  }
}

/** The archive is not a readable zip, or a member's data is damaged (bad deflate stream, CRC or size). */
export class ArchiveFormatError extends BaseError {
  static override readonly code: string = 'base-archive-format';
  constructor(readonly archive: string, readonly member: string | undefined, readonly problem: string, options?: { cause?: unknown }) {
    super(`${archive}${member ? `: ${member}` : ''} is damaged or not a zip: ${problem}`, options);
  }
}

/** The archive's manifest is missing, malformed, or disagrees with the files it describes. */
export class ArchiveManifestError extends BaseError {
  static override readonly code: string = 'base-archive-manifest';
  constructor(readonly archive: string, readonly field: string, readonly problem: string) {
    super(`${archive}: manifest ${field} ${problem}`);
  }
}

/** The disk in the archive does not hash to the base ID its manifest claims. */
export class BaseIdMismatchError extends BaseError {
  static override readonly code: string = 'base-id-mismatch';
  constructor(readonly archive: string, readonly claimedId: string, readonly actualId: string) {
    super(`${archive} claims base ${claimedId} but its disk hashes to ${actualId}; the archive is corrupt or was altered`);
  }
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/** A base name from outside (--name, the disk's file name, an archive's manifest) holding control characters, which would reach terminals that list it. */
export class BaseNameError extends BaseError {
  static override readonly code: string = 'base-name-invalid';
  override readonly category: ErrorCategory = 'usage';
  constructor(readonly baseName: string, readonly origin: 'option' | 'disk file name' | 'archive manifest') {
    super(`the base name "${escapeControlCharacters(baseName)}" (from the ${origin}) holds control characters, which could steer the terminal of whoever lists it; give a printable one with --name`);
  }
}
