// Errors of making the host bundle on the operator's machine: each says what failed and what to do.
import { RunnerError } from '../../errors.js';

export abstract class BundleError extends RunnerError {
  static override readonly code: string = 'host-bundle';
  override readonly category = 'task';
}

/** The build-time host lock does not match package-lock.json, or is from another version. */
export class HostLockError extends BundleError {
  static override readonly code: string = 'host-lock-mismatch';
}

/** npm could not fetch a package the hosts need (no npm, no registry, no mirror). */
export class PackageFetchError extends BundleError {
  static override readonly code: string = 'package-fetch-failed';
  override readonly retryable = true;
  constructor(
    readonly specs: readonly string[],
    readonly reason: string,
  ) {
    super(
      `could not fetch ${specs.length === 1 ? specs[0] : `${specs.length} packages (${specs.slice(0, 3).join(', ')}…)`} from the npm registry: ${reason}. ` +
        'The first install needs npm and the registry (or a mirror set in .npmrc) on this machine; later runs use the cache',
    );
  }
}

/** A fetched tarball is not the one the lock names: a tampered mirror or a broken cache. */
export class PackageIntegrityError extends BundleError {
  static override readonly code: string = 'package-integrity';
  constructor(
    readonly spec: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${spec} does not match its pinned integrity (expected ${expected}, got ${actual}): refusing to deploy it; check the registry or mirror in .npmrc`);
  }
}
