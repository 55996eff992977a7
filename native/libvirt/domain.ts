/**
 * One libvirt domain, by name, with the calls VM synthesis needs. Every failure becomes a typed
 * error (errors.ts) naming the domain and carrying libvirt's message.
 */
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

export class LibvirtDomain {
  /** @internal Made by LibvirtConnection. */
  constructor(
    readonly name: string,
    private readonly handle: Domain,
    private readonly hypervisor: Hypervisor,
    readonly uri: string,
  ) {}

  /** Boots a defined, shut-off domain. */
  start(): Promise<void> {
    return this.call('start', () => this.hypervisor.domainCreate(this.handle));
  }

  /**
   * Stops the domain and writes its memory and device state to `path` (a libvirt save image,
   * root 0600). A transient domain is gone afterwards; a persistent one is shut off.
   */
  save(path: string): Promise<void> {
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
