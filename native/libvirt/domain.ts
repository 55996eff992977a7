/**
 * One libvirt domain with the calls VM synthesis needs. The handle is the domain's identity: libvirt
 * resolves it by UUID, so a call never reaches another domain that took the name since. Every
 * failure becomes a typed error (errors.ts) naming the domain and carrying libvirt's message.
 */
import { open } from 'node:fs/promises';
import type { Domain, Hypervisor } from '@unraid/libvirt';
import { toLibvirtError } from './errors.js';

/** A libvirt domain state, as virsh names it. */
export type DomainStateName = 'no-state' | 'running' | 'blocked' | 'paused' | 'shutdown' | 'shut-off' | 'crashed' | 'pm-suspended';

/** Indexed by libvirt's virDomainState (0–7, part of its stable ABI), so the addon loads only when used. */
const STATE_NAMES: readonly DomainStateName[] = ['no-state', 'running', 'blocked', 'paused', 'shutdown', 'shut-off', 'crashed', 'pm-suspended'];

export interface DomainStatus {
  state: DomainStateName;
  /** A QEMU process exists for the domain (running, blocked, paused or PM-suspended). */
  active: boolean;
  memoryKiB: number;
  vcpus: number;
}

/**
 * Which domain we mean: the name people see and the UUID we gave it when we defined it. qemu:///system
 * is shared by every user of the host, so a name alone may be another's domain by now; the UUID decides.
 */
export interface DomainRef {
  readonly name: string;
  readonly uuid: string;
}

/** A domain UUID as libvirt prints it and as we write it: lowercase, with hyphens. */
export const DOMAIN_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * How virsh would read `name` if it were given as a domain: virsh tries an argument as a domain ID
 * (all digits), then as a UUID (32 hex digits, '-' between pairs), and only then as a name. We
 * address domains by UUID, but refuse such names anyway, so that no one's `virsh … NAME` reaches
 * another domain. The UUID test is a little wider than libvirt's (any case, '-' anywhere).
 */
export function virshReadsNameAs(name: string): 'id' | 'uuid' | undefined {
  if (/^\d+$/.test(name)) return 'id';
  if (/^[0-9a-f]{32}$/i.test(name.replace(/-/g, ''))) return 'uuid';
  return undefined;
}

export class LibvirtDomain implements DomainRef {
  /** @internal Made by LibvirtConnection. */
  constructor(
    readonly name: string,
    readonly uuid: string,
    private readonly handle: Domain,
    private readonly hypervisor: Hypervisor,
    readonly uri: string,
  ) {}

  /** Boots a defined, shut-off domain. */
  start(): Promise<void> {
    return this.call('start', () => this.hypervisor.domainCreate(this.handle));
  }

  /**
   * Stops the domain and writes its memory and device state to `path` (a libvirt save image), a
   * new file. A transient domain is gone afterwards; a persistent one is shut off. The file is
   * created here, the caller's and 0600: libvirtd, as root, would create it root's and 0600, so a
   * non-root caller could not read its own save, while it keeps the owner and mode of one that exists.
   */
  async save(path: string): Promise<void> {
    await (await open(path, 'wx', 0o600)).close();
    return this.call('save', () => this.hypervisor.domainSave(this.handle, path));
  }

  /** Kills the domain's QEMU at once. A transient domain disappears; a persistent one stays defined. */
  destroy(): Promise<void> {
    return this.call('destroy', () => this.hypervisor.domainDestroy(this.handle));
  }

  /** Removes the definition of a persistent domain that is shut off. */
  undefine(): Promise<void> {
    return this.call('undefine', () => this.hypervisor.domainUndefine(this.handle));
  }

  /** The domain XML as libvirt holds it (addresses and defaults filled in). */
  xml(): Promise<string> {
    return this.call('get XML', () => this.hypervisor.domainGetXMLDesc(this.handle));
  }

  async status(): Promise<DomainStatus> {
    const info = await this.call('get info', () => this.hypervisor.domainGetInfo(this.handle));
    const state = STATE_NAMES[info.state] ?? 'no-state';
    const active = state === 'running' || state === 'blocked' || state === 'paused' || state === 'pm-suspended';
    return { state, active, memoryKiB: info.memory, vcpus: info.nrVirtCpu };
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toLibvirtError(error, { operation, uri: this.uri, domain: this.name });
    }
  }
}
