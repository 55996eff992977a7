/**
 * A connection to libvirtd through @unraid/libvirt, typed and with errors that say what to do.
 * The binding has define/create/save/restore/destroy/undefine and lookups, but no restore with a
 * replacement XML, no snapshots and no monitor passthrough: callers edit the XML inside a save
 * image (sdk/image/memory), reach QEMU's monitor through virsh (port-forward.ts) or talk QMP
 * directly (test/fixtures/qemu, used by the tests and the bench only).
 */
import type { Domain, Hypervisor } from '@unraid/libvirt';
import { importAddon } from '../addon.js';
import { LibvirtDomain, type DomainRef } from './domain.js';
import { DomainNotFoundError, DomainNotRunningError, DomainUuidMismatchError, toLibvirtError } from './errors.js';

/** The system daemon, where QEMU runs as libvirt-qemu: files it opens must be reachable by that user. */
export const SYSTEM_URI = 'qemu:///system';

export class LibvirtConnection {
  private constructor(
    private readonly hypervisor: Hypervisor,
    readonly uri: string,
  ) {}

  /**
   * Connects; a daemon that is not running gives LibvirtUnavailableError with the fix in its message.
   *
   * @example
   * const libvirt = await LibvirtConnection.open();
   * try { await libvirt.create(xml); } finally { await libvirt.close(); }
   */
  static async open(uri: string = SYSTEM_URI): Promise<LibvirtConnection> {
    const { Hypervisor: Binding } = await importAddon<typeof import('@unraid/libvirt')>('@unraid/libvirt');
    const hypervisor = new Binding({ uri });
    try {
      await hypervisor.connectOpen();
    } catch (error) {
      throw toLibvirtError(error, { operation: 'connect', uri });
    }
    return new LibvirtConnection(hypervisor, uri);
  }

  async close(): Promise<void> {
    await this.call('close', undefined, () => this.hypervisor.connectClose());
  }

  /** Creates and starts a transient domain: it vanishes when destroyed or saved, leaving no definition behind. */
  async create(xml: string): Promise<LibvirtDomain> {
    return this.named(await this.call('create', nameIn(xml), () => this.hypervisor.domainCreateXML(xml)));
  }

  /** Defines a persistent domain without starting it. */
  async define(xml: string): Promise<LibvirtDomain> {
    return this.named(await this.call('define', nameIn(xml), () => this.hypervisor.domainDefineXML(xml)));
  }

  /** The domain called `name`; DomainNotFoundError if there is none. */
  async lookup(name: string): Promise<LibvirtDomain> {
    return this.named(await this.call('lookup', name, () => this.hypervisor.domainLookupByName(name)));
  }

  /** The domain called `name`, or undefined. */
  async find(name: string): Promise<LibvirtDomain | undefined> {
    return this.orUndefined(() => this.lookup(name));
  }

  /** The domain with `ref`'s UUID (ref.name only names it in errors), or undefined. */
  async findByUuid(ref: DomainRef): Promise<LibvirtDomain | undefined> {
    return this.orUndefined(async () => this.named(await this.call('lookup', ref.name, () => this.hypervisor.domainLookupByUUIDString(ref.uuid))));
  }

  /**
   * Restores a save image whose XML we wrote for `ref` and returns the running domain, found by
   * its UUID (the binding's restore does not say which domain it made).
   */
  async restore(path: string, ref: DomainRef): Promise<LibvirtDomain> {
    await this.call('restore', ref.name, () => this.hypervisor.domainRestore(path));
    const domain = await this.findByUuid(ref);
    if (!domain) throw new DomainNotFoundError('restore', this.uri, ref.name, `no domain with UUID ${ref.uuid} after the restore`);
    return domain;
  }

  /** Names of every domain, running or only defined. */
  async names(): Promise<string[]> {
    const domains = await this.call('list', undefined, () => this.hypervisor.connectListAllDomains());
    return Promise.all(domains.map((domain) => this.call('get name', undefined, () => domain.getName())));
  }

  /**
   * Makes sure the domain we defined as `ref` no longer exists: destroys it if it runs, undefines
   * it if it is persistent. Returns whether there was one. The domain called ref.name must have
   * ref.uuid: any other domain of that name belongs to someone else (qemu:///system is shared) and
   * is refused with DomainUuidMismatchError, untouched. Used on every error and interrupt path.
   */
  async remove(ref: DomainRef): Promise<boolean> {
    const domain = await this.find(ref.name);
    if (!domain) return false;
    if (domain.uuid !== ref.uuid.toLowerCase()) throw new DomainUuidMismatchError('remove', this.uri, ref.name, ref.uuid, domain.uuid);
    // The handle is resolved by UUID from here on: a domain that took the name meanwhile is not reached.
    try {
      await domain.destroy();
    } catch (error) {
      if (!(error instanceof DomainNotRunningError || error instanceof DomainNotFoundError)) throw error;
    }
    try {
      await domain.undefine();
    } catch (error) {
      // A transient domain is gone once destroyed.
      if (!(error instanceof DomainNotFoundError)) throw error;
    }
    return true;
  }

  /** A handle named and identified as libvirt knows the domain. */
  private async named(handle: Domain): Promise<LibvirtDomain> {
    const name = await this.call('get name', undefined, () => this.hypervisor.domainGetName(handle));
    const uuid = await this.call('get UUID', name, () => this.hypervisor.domainGetUUIDString(handle));
    return new LibvirtDomain(name, uuid.toLowerCase(), handle, this.hypervisor, this.uri);
  }

  private async orUndefined(lookup: () => Promise<LibvirtDomain>): Promise<LibvirtDomain | undefined> {
    try {
      return await lookup();
    } catch (error) {
      if (error instanceof DomainNotFoundError) return undefined;
      throw error;
    }
  }

  private async call<T>(operation: string, domain: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toLibvirtError(error, { operation, uri: this.uri, domain });
    }
  }
}

/** The <name> of a domain XML, only to say which domain a failed create or define was about. */
function nameIn(xml: string): string {
  return /<name>\s*([^<]*?)\s*<\/name>/.exec(xml)?.[1] ?? '?';
}
