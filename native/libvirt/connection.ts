/**
 * A connection to libvirtd through @unraid/libvirt, typed and with errors that say what to do.
 * The binding has define/create/save/restore/destroy/undefine and lookups, but no restore with a
 * replacement XML, no snapshots and no monitor passthrough: callers edit the XML inside a save
 * image (sdk/image/memory), reach QEMU's monitor through virsh (port-forward.ts) or talk QMP
 * directly (test/fixtures/qemu, used by the tests and the bench only).
 */
import type { Domain, Hypervisor } from '@unraid/libvirt';
import { importAddon } from '../addon.js';
import { LibvirtDomain } from './domain.js';
import { DomainNotFoundError, DomainNotRunningError, toLibvirtError } from './errors.js';

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
    return new LibvirtDomain(name, await this.call('lookup', name, () => this.hypervisor.domainLookupByName(name)), this.hypervisor, this.uri);
  }

  /** The domain called `name`, or undefined. */
  async find(name: string): Promise<LibvirtDomain | undefined> {
    try {
      return await this.lookup(name);
    } catch (error) {
      if (error instanceof DomainNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Restores a save image and returns the running domain. `name` is the domain name inside the
   * image's XML (the binding's restore does not say which domain it made).
   */
  async restore(path: string, name: string): Promise<LibvirtDomain> {
    await this.call('restore', name, () => this.hypervisor.domainRestore(path));
    return this.lookup(name);
  }

  /** Names of every domain, running or only defined. */
  async names(): Promise<string[]> {
    const domains = await this.call('list', undefined, () => this.hypervisor.connectListAllDomains());
    return Promise.all(domains.map((domain) => this.call('get name', undefined, () => domain.getName())));
  }

  /**
   * Makes sure no domain called `name` exists: destroys it if it runs, undefines it if it is
   * persistent. Returns whether there was one. Used on every error and interrupt path.
   */
  async remove(name: string): Promise<boolean> {
    const domain = await this.find(name);
    if (!domain) return false;
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

  /** A handle named as libvirt names the domain. */
  private async named(handle: Domain): Promise<LibvirtDomain> {
    const name = await this.call('get name', undefined, () => this.hypervisor.domainGetName(handle));
    return new LibvirtDomain(name, handle, this.hypervisor, this.uri);
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
