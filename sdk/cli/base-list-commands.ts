/** `cloudlet list-base` (here, or with --server on a synthesis server) and `cloudlet del-base <base>`. */
import { listBases } from '../base/index.js';
import { remoteListBases, type RemoteBase } from '../server/index.js';
import { deleteBase } from '../vms/index.js';
import { COMMON_OPTIONS, defineCommand, sdkOptions } from './command.js';
import { renderer } from './render-progress.js';
import { localOnly, SERVER_OPTIONS, serverOption } from './server-option.js';
import { formatTable } from './table.js';
import { escapeControlCharacters } from '../text/index.js';

export const listBaseCommand = defineCommand({
  name: 'list-base',
  summary: 'list the registered base VMs (here, or on a synthesis server)',
  operands: [],
  options: { ...SERVER_OPTIONS, ...COMMON_OPTIONS },
  async run({ values }, io) {
    const remote = await serverOption(values, io.signal);
    if (remote) localOnly(values);
    const { cloudletDir } = sdkOptions(values, io);
    const local = remote ? undefined : await listBases(cloudletDir ? { cloudletDir } : {});
    // The API's base (remoteListBases) does not say whether it was saved under KVM or TCG.
    const bases: Array<RemoteBase & { savedUnder?: string }> = remote
      ? await remoteListBases(remote)
      : local!.map((base) => ({ id: base.id, name: base.name, createdAt: base.createdAt, diskSize: base.diskSize, memoryMiB: base.hardware.memoryMiB, vcpus: base.hardware.vcpus, savedUnder: base.domain.type === 'kvm' ? 'KVM' : 'TCG' }));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(local ?? bases)}\n`);
      return 0;
    }
    if (bases.length === 0) {
      io.stdout.write(`no base VMs${remote ? ` on ${remote.server}` : ''} (cloudlet base <disk.raw> or cloudlet import-base <archive> makes one)\n`);
      return 0;
    }
    const rows = bases.map((base) => [base.id.slice(0, 12), base.name, `${base.memoryMiB} MiB`, `${(base.diskSize / 2 ** 20).toFixed(0)} MiB`, base.savedUnder ?? '-', base.createdAt]);
    io.stdout.write(formatTable(['ID', 'NAME', 'MEMORY', 'DISK', 'SAVED UNDER', 'CREATED'], rows));
    return 0;
  },
});

export const delBaseCommand = defineCommand({
  name: 'del-base',
  summary: 'unregister a base VM and delete its files',
  operands: ['<base>'],
  options: { ...COMMON_OPTIONS },
  async run({ values, positionals }, io) {
    const { cloudletDir } = sdkOptions(values, io);
    const base = await deleteBase(positionals[0]!, cloudletDir ? { cloudletDir } : {});
    renderer(io, values.json).result([`deleted base ${base.id}  ${escapeControlCharacters(base.name)}`], { deleted: { id: base.id, name: base.name } });
    return 0;
  },
});
