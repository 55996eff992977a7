/** `cloudlet synthesis <base> <overlay.zip | http(s)://URL>`: rebuild the customized VM and resume it as a new VM. */
import { synthesizeVm } from '../launch/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, parseCommandArgs, sdkOptions, type Command } from './command.js';
import { parseForwardOption } from './forward-option.js';
import { renderer } from './render-progress.js';

export const synthesisCommand: Command = {
  name: 'synthesis',
  usage: 'synthesis <base> <overlay.zip | http(s)://URL> [--name NAME] [--forward tcp:HOST:GUEST ...] [--json]',
  summary: 'rebuild a customized VM from a base and an overlay and resume it under a new name',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...COMMON_OPTIONS,
      ...CONNECT_OPTION,
      name: { type: 'string' },
      forward: { type: 'string', multiple: true, default: [] },
    }, [2, 2]);
    const forwards = values.forward.map(parseForwardOption);
    const render = renderer(io, values.json);
    const started = Date.now();
    const vm = await synthesizeVm(positionals[0]!, positionals[1]!, {
      ...sdkOptions(values, io),
      ...(values.name !== undefined ? { name: values.name } : {}),
      forwards,
      signal: io.signal,
      onProgress: render.progress,
    });
    const elapsedMs = Date.now() - started;
    const reach = vm.forwards.map((f) => `  port ${f.hostAddress ?? '127.0.0.1'}:${f.hostPort} -> guest ${f.guestPort}/${f.protocol}`);
    render.result(
      [`VM ${vm.name} (${vm.id}) resumed in ${elapsedMs} ms`, `  console: cloudlet console ${vm.name} (output also in ${vm.files.console})`, ...reach, `  destroy: cloudlet destroy ${vm.name}`],
      { vm: { name: vm.name, id: vm.id, dir: vm.dir, console: vm.files.console, forwards: vm.forwards }, elapsedMs },
    );
    return 0;
  },
};
