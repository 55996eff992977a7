/** libvirt through @unraid/libvirt: a typed connection, domain handles and errors that say what to do. */
export { LibvirtConnection, SYSTEM_URI } from './connection.js';
export { DOMAIN_UUID, LibvirtDomain, virshReadsNameAs, type DomainRef, type DomainStateName, type DomainStatus } from './domain.js';
export { addPortForward, hostForwardCommand, type PortForward } from './port-forward.js';
export { qemuDacLabel, parseDacBaseLabel, type QemuLabel } from './qemu-label.js';
export * from './errors.js';
