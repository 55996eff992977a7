// `cloudlet-tasks -H HOSTS synthesis BASE OVERLAY --name NAME`: a resumed VM on every host from the
// base it has and an overlay (a local file, uploaded once per host and kept by SHA-256, or an
// http(s) URL each host fetches). NAME may use {host} and {index}. The overlay is checked against
// the base before anything is sent. With --server (or --server-url) each host's synthesis server
// makes the VM over HTTPS instead of SSH: the overlay streams to it and is applied as it arrives.
import { FINGERPRINT } from '../../sdk/customize/ssh-fingerprint.js';
import { checkNameTemplate, expandName, expandTemplate } from '../cloudlet/name-template.js';
import { parseRate, RATE_OPTION, REMOTE_OPTIONS, remoteSettings } from '../cloudlet/remote-options.js';
import { RemoteCloudlet } from '../cloudlet/remote-cloudlet.js';
import { checkServerSynthesis, serverRoute } from '../cloudlet/server-synthesis.js';
import { checkSynthesis, isUrl, type SynthesisServerOptions, type SynthesizedVm } from '../cloudlet/synthesize.js';
import { UsageError } from '../errors.js';
import { seconds } from '../render/format.js';
import { defineTask, type OptionSpecs, type OptionValues } from '../task/define-task.js';
import type { TaskContext } from '../task/task-context.js';
import { hostTable } from './host-table.js';

const SERVER_OPTIONS = {
  server: { type: 'boolean', help: "synthesize through each host's synthesis server (`cloudlet serve`) over HTTPS instead of SSH" },
  'server-url': { type: 'string', help: 'with --server: where it listens (may use {host} and {address}); default https://{address}:8021' },
  'token-file': { type: 'string', help: "with --server: the file holding the host's token (`cloudlet token create`); may use {host}" },
  pin: { type: 'string', help: "with --server: the certificate's SHA256:… fingerprint; default: the host's self-signed one, read over SSH" },
} as const satisfies OptionSpecs;

export const synthesisTask = defineTask({
  name: 'synthesis',
  help: 'synthesize and resume a VM on every host from a base there and an overlay file or URL (NAME may use {host}, {index})',
  operands: ['base', 'overlay'],
  options: {
    base: { type: 'string', help: "the hosts' base: ID, ID prefix or name" },
    overlay: { type: 'string', help: 'an overlay package made by `cloudlet overlay`, or an http(s):// URL the hosts fetch' },
    name: { type: 'string', help: 'the new VM, e.g. web-{host}' },
    forward: { type: 'string', help: 'port forwards into the guest, comma-separated (tcp:127.0.0.1:2222:22)' },
    ...SERVER_OPTIONS,
    ...REMOTE_OPTIONS,
    ...RATE_OPTION,
  },
  validate(options) {
    if (!options.base || !options.overlay) throw new UsageError('synthesis needs BASE and OVERLAY: the base on the hosts and an overlay file or URL');
    if (!options.name) throw new UsageError('synthesis needs --name NAME (it may use {host} and {index}, so every host gets its own)');
    checkNameTemplate(options.name);
    parseRate(options['limit-rate']);
    checkServerOptions(options);
  },
  async body(ctx): Promise<SynthesizedVm | { name: string; wouldSynthesize: true }> {
    const { base, overlay } = ctx.options as { base: string; overlay: string };
    const name = expandName(ctx.options.name!, { name: ctx.host.name, index: ctx.index });
    const settings = remoteSettings(ctx.options);
    const server = serverOptions(ctx);
    if (ctx.dryRun) {
      const remote = new RemoteCloudlet(ctx, settings);
      const found = server ? await checkServerSynthesis(ctx, await serverRoute(ctx, remote, server), base, overlay) : await checkSynthesis(ctx.host.name, await remote.bases(), base, overlay);
      const sending = isUrl(overlay) ? 'have it fetch' : server ? 'stream' : 'upload';
      ctx.log(`would ${sending} ${overlay} and synthesize ${name} from base ${found.id.slice(0, 12)}${server ? ' through its synthesis server' : ''}`);
      return { name, wouldSynthesize: true };
    }
    const rate = parseRate(ctx.options['limit-rate']);
    const forwards = ctx.options.forward?.split(',').map((forward) => forward.trim()).filter(Boolean) ?? [];
    const vm = await ctx.cloudlet.with(settings).synthesize(base, overlay, { name, forwards, ...(rate ? { bytesPerSecond: rate } : {}), ...(server ? { server } : {}) });
    ctx.log(`VM ${vm.name} (${vm.id}) resumed in ${seconds(vm.resumedMs)}; console: cloudlet console ${vm.name} on the host (output in ${vm.console})`);
    return vm;
  },
  report: (results) =>
    hostTable(results, ['NAME', 'ID', 'RESUMED IN', 'SENT', 'CONSOLE'], (vm: SynthesizedVm) => ('id' in vm ? [[vm.name, vm.id, seconds(vm.resumedMs), `${((vm.upload?.sentBytes ?? 0) / 1e6).toFixed(1)} MB`, `cloudlet console ${vm.name}`]] : []), 'no VM synthesized'),
});

type ServerOptionValues = OptionValues<typeof SERVER_OPTIONS> & { readonly forward?: string | undefined };

/** Refuses a half-given or malformed set of server options before any host is contacted. */
function checkServerOptions(options: ServerOptionValues): void {
  const server = options.server === true || options['server-url'] !== undefined;
  if (!server) {
    if (options['token-file'] !== undefined || options.pin !== undefined) throw new UsageError('--token-file and --pin go with --server');
    return;
  }
  if (options['token-file'] === undefined) throw new UsageError('--server needs --token-file FILE: the token `cloudlet token create` printed on the host ({host} in the path for one per host)');
  if (options.pin !== undefined && !FINGERPRINT.test(options.pin)) throw new UsageError(`--pin ${options.pin}: expected SHA256: and 43 base64 characters, as \`cloudlet serve --print-fingerprint\` prints it`);
  if (options.forward !== undefined) throw new UsageError('--forward is not available with --server: the server API takes no port forwards; synthesize over SSH for those');
  const url = options['server-url'];
  if (url !== undefined && !/^https:\/\/[^/?#]+\/?$/.test(url)) throw new UsageError(`--server-url ${url}: expected https://HOST[:PORT] (the server speaks HTTPS only)`);
  for (const [option, template, fields] of [['--server-url', url, ['host', 'address']], ['--token-file', options['token-file'], ['host']]] as const) {
    if (template !== undefined) expandTemplate(template, Object.fromEntries(fields.map((field) => [field, field])), option);
  }
}

/** This host's server options ({host} and {address} expanded), or undefined over SSH. */
function serverOptions(ctx: TaskContext<ServerOptionValues>): SynthesisServerOptions | undefined {
  const { options, host } = ctx;
  if (options.server !== true && options['server-url'] === undefined) return undefined;
  return {
    ...(options['server-url'] !== undefined ? { url: expandTemplate(options['server-url'], { host: host.name, address: host.address }, '--server-url') } : {}),
    tokenFile: expandTemplate(options['token-file']!, { host: host.name }, '--token-file'),
    ...(options.pin !== undefined ? { pin: options.pin } : {}),
  };
}
