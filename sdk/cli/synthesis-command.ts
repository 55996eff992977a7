/**
 * `cloudlet synthesis <base> <overlay.zip | http(s)://URL>`: rebuild the customized VM and resume it
 * as a new VM; --trust refuses overlays not signed by a trusted key, the --download options and
 * --public-only limit what a URL may cost and reach. A URL is applied while it downloads
 * (synthesizeVm: pipelined, dropped connections resumed with Range requests). With --server the
 * synthesis runs on that cloudlet's `cloudlet serve` instead: a file is streamed to it, a URL is
 * fetched by it, and its progress is rendered as a local synthesis's.
 */
import { DEFAULT_DOWNLOAD_POLICY, synthesizeVm } from '../vms/index.js';
import { remoteSynthesize, type RemoteServerOptions } from '../server/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, defineCommand, positiveInteger, sdkOptions, type CliIo } from './command.js';
import { parseForwardOption } from './forward-option.js';
import { renderer } from './render-progress.js';
import { localOnly, SERVER_OPTIONS, serverOption } from './server-option.js';
import { TRUST_OPTION, trustedKeysOption } from './trust-option.js';

export const synthesisCommand = defineCommand({
  name: 'synthesis',
  summary: 'rebuild a customized VM from a base and an overlay and resume it under a new name',
  operands: ['<base>', '<overlay.zip | http(s)://URL>'],
  options: {
    name: { type: 'string' },
    forward: { type: 'string', multiple: true, default: [], placeholder: 'tcp:HOST:GUEST' },
    ...TRUST_OPTION,
    'download-timeout': { type: 'string', default: String(DEFAULT_DOWNLOAD_POLICY.timeoutMs / 1000), placeholder: 'SECONDS' },
    'download-idle-timeout': { type: 'string', default: String(DEFAULT_DOWNLOAD_POLICY.idleTimeoutMs / 1000), placeholder: 'SECONDS' },
    'public-only': { type: 'boolean', default: false },
    ...SERVER_OPTIONS,
    ...CONNECT_OPTION,
    ...COMMON_OPTIONS,
  },
  async run({ values, positionals }, io) {
    const remote = await serverOption(values, io.signal);
    if (remote) {
      localOnly(values, { forward: values.forward.length > 0, trust: values.trust.length > 0, 'public-only': values['public-only'] });
      return synthesizeRemotely(positionals[0]!, positionals[1]!, values.name, remote, values.json, io);
    }
    const forwards = values.forward.map(parseForwardOption);
    const download = {
      timeoutMs: positiveInteger('download-timeout', values['download-timeout']) * 1000,
      idleTimeoutMs: positiveInteger('download-idle-timeout', values['download-idle-timeout']) * 1000,
      publicOnly: values['public-only'],
    };
    const trust = await trustedKeysOption(values.trust);
    const render = renderer(io, values.json);
    const started = Date.now();
    const vm = await synthesizeVm(positionals[0]!, positionals[1]!, {
      ...sdkOptions(values, io),
      ...(values.name !== undefined ? { name: values.name } : {}),
      forwards,
      download,
      ...trust,
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
});

async function synthesizeRemotely(base: string, overlay: string, name: string | undefined, remote: RemoteServerOptions, json: boolean, io: CliIo): Promise<number> {
  const render = renderer(io, json);
  const started = Date.now();
  const vm = await remoteSynthesize(base, overlay, { ...remote, ...(name !== undefined ? { name } : {}), onProgress: render.progress });
  const elapsedMs = Date.now() - started;
  const reach = vm.ports.map((f) => `  port ${f.hostAddress ?? '127.0.0.1'}:${f.hostPort} -> guest ${f.guestPort}/${f.protocol} (on the server)`);
  render.result(
    [`VM ${vm.name} (${vm.id}) resumed on ${remote.server} in ${elapsedMs} ms`, `  console: cloudlet console ${vm.name} on the server (output also in ${vm.console} there)`, ...reach],
    { vm: { ...vm, server: remote.server }, elapsedMs },
  );
  return 0;
}
