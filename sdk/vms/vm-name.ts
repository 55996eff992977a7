/** The names a VM may take: checked where a name comes in, before any work. */
import { domainNameProblem } from '../vm/index.js';
import { VmNameError } from './errors.js';

/**
 * Refuses (VmNameError, a usage error) a VM name we cannot give a libvirt domain, such as `3`
 * or a UUID, which virsh reads as another domain's ID or UUID.
 *
 * @example checkVmName(options.name);
 */
export function checkVmName(name: string): void {
  const problem = domainNameProblem(name);
  if (problem !== undefined) throw new VmNameError(name, problem);
}
