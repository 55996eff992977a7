/** `cloudlet list` and `cloudlet destroy <vm>`: the synthesized (launched) VMs. */
import { destroyVm, listVms } from '../launch/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, parseCommandArgs, sdkOptions, type Command } from './command.js';
import { renderer } from './render-progress.js';
import { formatTable } from './table.js';

export const listCommand: Command = {
  name: 'list',
  usage: 'list [--json]',
  summary: 'list the synthesized VMs and their state',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { ...COMMON_OPTIONS, ...CONNECT_OPTION }, [0, 0]);
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
};

export const destroyCommand: Command = {
  name: 'destroy',
  usage: 'destroy <vm> [--json]',
  summary: 'stop a synthesized VM and remove its domain, files and record',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { ...COMMON_OPTIONS, ...CONNECT_OPTION }, [1, 1]);
    const vm = await destroyVm(positionals[0]!, sdkOptions(values, io));
    renderer(io, values.json).result([`destroyed ${vm.name} (${vm.id})`], { destroyed: { name: vm.name, id: vm.id } });
    return 0;
  },
};
