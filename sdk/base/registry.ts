/**
 * The registry of base VMs: atomic files, no database. Each base is a directory bases/<id>/ with its
 * record inside (base-record.ts), and it enters or leaves the registry by a single rename:
 *  - a crash at any moment leaves each base either fully registered or absent, because the record,
 *    the disk and the memory move together (a database row and gigabytes of files cannot be
 *    committed together; a directory rename can);
 *  - concurrent commands serialize only on that rename (registry-lock.ts), and readers need no lock,
 *    since a directory is never seen half-moved;
 *  - no native module to build (better-sqlite3 compiles for 98 s here) and records a person can read.
 * Work in progress lives in tmp/, owned by a pid; sweepStale() removes what killed commands left.
 */
import { chmod, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DomainRef } from '../../native/libvirt/index.js';
import { writePrivateFile } from '../files/index.js';
import { BASE_ID, readBaseRecord, type BaseVm } from './base-record.js';
import { syncDir } from './json-record.js';
import { cloudletDirLayout, ensureCloudletDir, type CloudletDir, type CloudletDirOptions } from './cloudlet-dir.js';
import { AmbiguousBaseError, BaseNotFoundError, DuplicateBaseError } from './errors.js';
import { processAlive, withRegistryLock } from './registry-lock.js';

/**
 * A domain a staging directory's owner may have left running: its name and the UUID it was defined
 * with. The UUID is undefined in owner files written before UUIDs were recorded.
 */
export interface StagedDomain {
  name: string;
  uuid: string | undefined;
}

/** A work directory in tmp/ and what its owner recorded: a domain it may have left running. */
export interface StagingDir {
  path: string;
  ownerPid: number;
  domain: StagedDomain | undefined;
}

const OWNER_FILE = '.owner.json';
/** Directories in tmp/ without an owner file this old were abandoned before the file was written. */
const ORPHAN_AGE_MS = 60 * 60_000;

export class BaseRegistry {
  private constructor(readonly dir: CloudletDir) {}

  /**
   * Opens the registry, making its directories unless `create` is false: a listing (what
   * `play --check` and every remote query run) reads a registry that is not there as empty and
   * leaves the host as it was.
   *
   * @example const registry = await BaseRegistry.open({ cloudletDir: '/var/lib/cloudlet' });
   */
  static async open(options: CloudletDirOptions = {}, { create = true }: { create?: boolean } = {}): Promise<BaseRegistry> {
    const dir = cloudletDirLayout(options);
    if (create) await ensureCloudletDir(dir);
    return new BaseRegistry(dir);
  }

  /** Every registered base, oldest first. */
  async list(): Promise<BaseVm[]> {
    const ids = (await readdirOrNothing(this.dir.bases)).filter((name) => BASE_ID.test(name));
    const bases = await Promise.all(ids.map((id) => readBaseRecord(join(this.dir.bases, id))));
    return bases.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The base a person means by `ref`: its full ID, a unique ID prefix (at least 4 hex digits), or its unique name. */
  async resolve(ref: string): Promise<BaseVm> {
    if (BASE_ID.test(ref)) {
      if (!(await this.has(ref))) throw new BaseNotFoundError(ref, this.dir.bases);
      return readBaseRecord(this.baseDir(ref));
    }
    const bases = await this.list();
    const byPrefix = /^[0-9a-f]{4,63}$/.test(ref) ? bases.filter((base) => base.id.startsWith(ref)) : [];
    const matches = byPrefix.length > 0 ? byPrefix : bases.filter((base) => base.name === ref);
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw new BaseNotFoundError(ref, this.dir.bases);
    throw new AmbiguousBaseError(ref, matches.map((base) => base.id));
  }

  async has(id: string): Promise<boolean> {
    return stat(join(this.dir.bases, id)).then(() => true, () => false);
  }

  /** Where base `id` lives once registered. */
  baseDir(id: string): string {
    return join(this.dir.bases, id);
  }

  /** A new work directory in tmp/, recorded as ours, with the domain (name and UUID) we may start for it. */
  async createStaging(kind: string, domain?: DomainRef): Promise<StagingDir> {
    // The pid in the name says whose it is before the owner file exists: a kill between the two
    // steps must not leave a directory that only the age rule could ever sweep.
    const path = await mkdtemp(join(this.dir.tmp, `${kind}-${process.pid}-`));
    // mkdtemp makes 0700; QEMU (libvirt-qemu) boots the disk inside.
    await chmod(path, 0o711);
    const staged = domain && { name: domain.name, uuid: domain.uuid };
    await writePrivateFile(join(path, OWNER_FILE), JSON.stringify({ pid: process.pid, domain: staged }));
    return { path, ownerPid: process.pid, domain: staged };
  }

  /**
   * Registers the complete base prepared in `staging` (its record already written) as base `id`:
   * one rename under the lock. DuplicateBaseError if `id` is registered already.
   */
  async commit(staging: StagingDir, id: string): Promise<BaseVm> {
    const target = this.baseDir(id);
    await withRegistryLock(this.dir.lock, async () => {
      if (await this.has(id)) throw new DuplicateBaseError(id, target);
      await rm(join(staging.path, OWNER_FILE), { force: true });
      await rename(staging.path, target);
      await syncDir(this.dir.bases);
    });
    return readBaseRecord(target);
  }

  /**
   * Unregisters base `id` (one rename under the lock), then deletes its files. `check` runs under
   * the lock first and may refuse by throwing (VMs whose disks are layers over the base).
   */
  async remove(id: string, check: () => Promise<void> = async () => undefined): Promise<void> {
    const trash = await this.createStaging(`deleting-${id.slice(0, 12)}`);
    await withRegistryLock(this.dir.lock, async () => {
      if (!(await this.has(id))) throw new BaseNotFoundError(id, this.dir.bases);
      await check();
      await rename(this.baseDir(id), join(trash.path, id));
      await syncDir(this.dir.bases);
    }).catch(async (error: unknown) => {
      await rm(trash.path, { recursive: true, force: true });
      throw error;
    });
    await rm(trash.path, { recursive: true, force: true });
  }

  /**
   * Work directories whose owner process is gone, for the caller to clean up (remove the domain a
   * staging dir names, by its UUID: sweep-stale.ts), after which they are deleted here. Returns what was removed.
   */
  async sweepStale(cleanDomain: (domain: StagedDomain) => Promise<void>): Promise<StagingDir[]> {
    const stale: StagingDir[] = [];
    for (const name of await readdir(this.dir.tmp)) {
      const path = join(this.dir.tmp, name);
      const owner = (await readOwner(path)) ?? ownerFromName(name);
      const abandoned = owner ? !processAlive(owner.pid) : await olderThan(path, ORPHAN_AGE_MS);
      if (!abandoned) continue;
      if (owner?.domain) await cleanDomain(owner.domain);
      await rm(path, { recursive: true, force: true });
      stale.push({ path, ownerPid: owner?.pid ?? 0, domain: owner?.domain });
    }
    return stale;
  }
}

async function readOwner(path: string): Promise<{ pid: number; domain: StagedDomain | undefined } | undefined> {
  try {
    const owner = JSON.parse(await readFile(join(path, OWNER_FILE), 'utf8')) as { pid?: unknown; domain?: unknown };
    if (!Number.isSafeInteger(owner.pid)) return undefined;
    return { pid: owner.pid as number, domain: stagedDomain(owner.domain) };
  } catch {
    return undefined;
  }
}

/** The creator's pid that createStaging puts in a name (`<kind>-<pid>-XXXXXX`), for a directory whose owner file was never written. */
function ownerFromName(name: string): { pid: number; domain: undefined } | undefined {
  const pid = /-(\d+)-[^-]{6}$/.exec(name)?.[1];
  return pid === undefined ? undefined : { pid: Number(pid), domain: undefined };
}

/** `{name, uuid}`, or the bare name older versions wrote (no UUID: sweep-stale.ts leaves that domain alone). */
function stagedDomain(domain: unknown): StagedDomain | undefined {
  if (typeof domain === 'string') return { name: domain, uuid: undefined };
  const { name, uuid } = (domain ?? {}) as { name?: unknown; uuid?: unknown };
  if (typeof name !== 'string') return undefined;
  return { name, uuid: typeof uuid === 'string' ? uuid : undefined };
}

async function olderThan(path: string, ageMs: number): Promise<boolean> {
  const stats = await stat(path).catch(() => undefined);
  return stats !== undefined && Date.now() - stats.mtimeMs > ageMs;
}

/** The names in `dir`, none when it does not exist. */
export async function readdirOrNothing(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
