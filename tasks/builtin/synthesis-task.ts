// `cloudlet-tasks -H HOSTS synthesis BASE OVERLAY --name NAME`: a resumed VM on every host from the
// base it has and an overlay (a local file, uploaded once per host and kept by SHA-256, or an
// http(s) URL each host fetches). NAME may use {host} and {index}. The overlay is checked against
// the base before anything is sent.
import { checkNameTemplate, expandName } from '../cloudlet/name-template.js';
import { parseRate, RATE_OPTION, REMOTE_OPTIONS, remoteSettings } from '../cloudlet/remote-options.js';
import { RemoteCloudlet } from '../cloudlet/remote-cloudlet.js';
import { checkSynthesis, isUrl, type SynthesizedVm } from '../cloudlet/synthesize.js';
import { UsageError } from '../errors.js';
import { seconds } from '../render/format.js';
import { defineTask } from '../task/define-task.js';
import { hostTable } from './host-table.js';

export const synthesisTask = defineTask({
  name: 'synthesis',
  help: 'synthesize and resume a VM on every host from a base there and an overlay file or URL (NAME may use {host}, {index})',
  operands: ['base', 'overlay'],
  options: {
    base: { type: 'string', help: "the hosts' base: ID, ID prefix or name" },
    overlay: { type: 'string', help: 'an overlay package made by `cloudlet overlay`, or an http(s):// URL the hosts fetch' },
    name: { type: 'string', help: 'the new VM, e.g. web-{host}' },
    forward: { type: 'string', help: 'port forwards into the guest, comma-separated (tcp:127.0.0.1:2222:22)' },
    ...REMOTE_OPTIONS,
    ...RATE_OPTION,
  },
  validate(options) {
    if (!options.base || !options.overlay) throw new UsageError('synthesis needs BASE and OVERLAY: the base on the hosts and an overlay file or URL');
    if (!options.name) throw new UsageError('synthesis needs --name NAME (it may use {host} and {index}, so every host gets its own)');
    checkNameTemplate(options.name);
    parseRate(options['limit-rate']);
  },
  async body(ctx): Promise<SynthesizedVm | { name: string; wouldSynthesize: true }> {
    const { base, overlay } = ctx.options as { base: string; overlay: string };
    const name = expandName(ctx.options.name!, { name: ctx.host.name, index: ctx.index });
    const settings = remoteSettings(ctx.options);
    if (ctx.dryRun) {
      const found = await checkSynthesis(ctx, new RemoteCloudlet(ctx, settings), base, overlay);
      ctx.log(`would ${isUrl(overlay) ? 'fetch' : 'upload'} ${overlay} and synthesize ${name} from base ${found.id.slice(0, 12)}`);
      return { name, wouldSynthesize: true };
    }
    const rate = parseRate(ctx.options['limit-rate']);
    const forwards = ctx.options.forward?.split(',').map((forward) => forward.trim()).filter(Boolean) ?? [];
    const vm = await ctx.cloudlet.with(settings).synthesize(base, overlay, { name, forwards, ...(rate ? { bytesPerSecond: rate } : {}) });
    ctx.log(`VM ${vm.name} (${vm.id}) resumed in ${seconds(vm.resumedMs)}; console: cloudlet console ${vm.name} on the host (output in ${vm.console})`);
    return vm;
  },
  report: (results) =>
    hostTable(results, ['NAME', 'ID', 'RESUMED IN', 'SENT', 'CONSOLE'], (vm: SynthesizedVm) => ('id' in vm ? [[vm.name, vm.id, seconds(vm.resumedMs), `${((vm.upload?.sentBytes ?? 0) / 1e6).toFixed(1)} MB`, `cloudlet console ${vm.name}`]] : []), 'no VM synthesized'),
});
