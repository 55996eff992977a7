/**
 * `cloudlet list` and `cloudlet destroy <vm>`: the synthesized (launched) VMs, of this host or,
 * with --server, of a cloudlet's synthesis server. Both list as the API's VM (apiVm), so one table
 * serves both; `--json` prints this host's full records, or the server's API objects.
 */
import { remoteDestroyVm, remoteListVms, type ApiVm } from '../server/index.js';
import { apiVm } from '../server/progress-stream.js';
import { destroyVm, listVms } from '../vms/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, defineCommand, sdkOptions } from './command.js';
import { renderer } from './render-progress.js';
import { localOnly, SERVER_OPTIONS, serverOption } from './server-option.js';
import { formatTable } from './table.js';
import { escapeControlCharacters } from '../text/index.js';

export const listCommand = defineCommand({
  name: 'list',
  summary: 'list the synthesized VMs and their state (here, or on a synthesis server)',
  operands: [],
  options: { ...SERVER_OPTIONS, ...CONNECT_OPTION, ...COMMON_OPTIONS },
  async run({ values }, io) {
    const remote = await serverOption(values, io.signal);
    if (remote) localOnly(values);
    const local = remote ? undefined : await listVms(sdkOptions(values, io));
    const vms = remote ? await remoteListVms(remote) : local!.map(apiVm);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(local ?? vms)}\n`);
      return 0;
    }
    if (vms.length === 0) {
      io.stdout.write(`no VMs${remote ? ` on ${remote.server}` : ''} (cloudlet synthesis <base> <overlay>${remote ? ' --server …' : ''} makes one)\n`);
      return 0;
    }
    const forwards = (vm: ApiVm) => vm.ports.map((f) => `${f.hostAddress ?? '127.0.0.1'}:${f.hostPort}->${f.guestPort}/${f.protocol}`).join(',') || '-';
    const rows = vms.map((vm) => [vm.name, vm.id, vm.state ?? '-', vm.base?.slice(0, 12) ?? '-', forwards(vm), vm.console]);
    io.stdout.write(formatTable(['NAME', 'ID', 'STATE', 'BASE', 'FORWARDS', 'CONSOLE'], rows));
    return 0;
  },
});

export const destroyCommand = defineCommand({
  name: 'destroy',
  summary: 'stop a synthesized VM and remove its domain, files and record (here, or on a synthesis server)',
  operands: ['<vm>'],
  options: { ...SERVER_OPTIONS, ...CONNECT_OPTION, ...COMMON_OPTIONS },
  async run({ values, positionals }, io) {
    const remote = await serverOption(values, io.signal);
    if (remote) localOnly(values);
    const vm = remote ? await remoteDestroyVm(positionals[0]!, remote) : await destroyVm(positionals[0]!, sdkOptions(values, io));
    renderer(io, values.json).result([`destroyed ${escapeControlCharacters(vm.name)} (${vm.id})${remote ? ` on ${remote.server}` : ''}`], { destroyed: { name: vm.name, id: vm.id } });
    return 0;
  },
});
