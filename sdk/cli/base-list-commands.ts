/** `cloudlet list-base` and `cloudlet del-base <base>`. */
import { listBases } from '../base/index.js';
import { deleteBase } from '../vms/index.js';
import { COMMON_OPTIONS, defineCommand, sdkOptions } from './command.js';
import { renderer } from './render-progress.js';
import { formatTable } from './table.js';
import { escapeControlCharacters } from '../text/index.js';

export const listBaseCommand = defineCommand({
  name: 'list-base',
  summary: 'list the registered base VMs',
  operands: [],
  options: { ...COMMON_OPTIONS },
  async run({ values }, io) {
    const { cloudletDir } = sdkOptions(values, io);
    const bases = await listBases(cloudletDir ? { cloudletDir } : {});
    if (values.json) {
      io.stdout.write(`${JSON.stringify(bases)}\n`);
      return 0;
    }
    if (bases.length === 0) {
      io.stdout.write('no base VMs (cloudlet base <disk.raw> or cloudlet import-base <archive> makes one)\n');
      return 0;
    }
    const rows = bases.map((base) => [base.id.slice(0, 12), base.name, `${base.hardware.memoryMiB} MiB`, `${(base.diskSize / 2 ** 20).toFixed(0)} MiB`, base.domain.type === 'kvm' ? 'KVM' : 'TCG', base.createdAt]);
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
