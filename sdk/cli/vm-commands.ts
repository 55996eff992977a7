/** `cloudlet list` and `cloudlet destroy <vm>`: the synthesized (launched) VMs. */
import { destroyVm, listVms } from '../vms/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, defineCommand, sdkOptions } from './command.js';
import { renderer } from './render-progress.js';
import { formatTable } from './table.js';
import { escapeControlCharacters } from '../text/index.js';

export const listCommand = defineCommand({
  name: 'list',
  summary: 'list the synthesized VMs and their state',
  operands: [],
  options: { ...CONNECT_OPTION, ...COMMON_OPTIONS },
  async run({ values }, io) {
    const vms = await listVms(sdkOptions(values, io));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(vms)}\n`);
      return 0;
    }
    if (vms.length === 0) {
      io.stdout.write('no VMs (cloudlet synthesis <base> <overlay> makes one)\n');
      return 0;
    }
    const forwards = (vm: (typeof vms)[number]) => vm.forwards.map((f) => `${f.hostAddress ?? '127.0.0.1'}:${f.hostPort}->${f.guestPort}/${f.protocol}`).join(',') || '-';
    const rows = vms.map((vm) => [vm.name, vm.id, vm.state, vm.origin.base?.slice(0, 12) ?? '-', forwards(vm), vm.files.console]);
    io.stdout.write(formatTable(['NAME', 'ID', 'STATE', 'BASE', 'FORWARDS', 'CONSOLE'], rows));
    return 0;
  },
});

export const destroyCommand = defineCommand({
  name: 'destroy',
  summary: 'stop a synthesized VM and remove its domain, files and record',
  operands: ['<vm>'],
  options: { ...CONNECT_OPTION, ...COMMON_OPTIONS },
  async run({ values, positionals }, io) {
    const vm = await destroyVm(positionals[0]!, sdkOptions(values, io));
    renderer(io, values.json).result([`destroyed ${escapeControlCharacters(vm.name)} (${vm.id})`], { destroyed: { name: vm.name, id: vm.id } });
    return 0;
  },
});
