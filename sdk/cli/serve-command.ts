/**
 * `cloudlet serve`: the synthesis server in the foreground, logging JSON lines on stdout, until
 * Ctrl-C or SIGTERM (systemd's stop), which aborts the syntheses in flight, waits for their
 * cleanup and exits 0. `--print-fingerprint` prints the fingerprint of the certificate it would
 * present and exits, making none: the runner reads it over SSH to pin the server.
 */
import { DEFAULT_MAX_DOWNLOAD_BYTES } from '../vms/index.js';
import { DEFAULT_MAX_CONCURRENT, DEFAULT_PORT, existingTlsIdentity, loadTlsIdentity, startServer } from '../server/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, defineCommand, positiveInteger, sdkOptions, UsageError, type CliIo } from './command.js';
import { renderer } from './render-progress.js';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'run the synthesis server: HTTPS, token authentication, VMs from pushed or fetched overlays',
  operands: [],
  options: {
    listen: { type: 'string', default: `0.0.0.0:${DEFAULT_PORT}`, placeholder: 'ADDR:PORT' },
    cert: { type: 'string', placeholder: 'FILE' },
    key: { type: 'string', placeholder: 'FILE' },
    'max-concurrent': { type: 'string', default: String(DEFAULT_MAX_CONCURRENT), placeholder: 'N' },
    'max-overlay-bytes': { type: 'string', default: String(DEFAULT_MAX_DOWNLOAD_BYTES), placeholder: 'N' },
    'public-only-urls': { type: 'boolean', default: false },
    'print-fingerprint': { type: 'boolean', default: false },
    ...CONNECT_OPTION,
    ...COMMON_OPTIONS,
  },
  async run({ values }, io) {
    if (values['print-fingerprint']) return printFingerprint(values, io);
    const { host, port } = parseListen(values.listen);
    const maxOverlayBytes = /^\d{1,16}$/.test(values['max-overlay-bytes']) && Number(values['max-overlay-bytes']) > 0 ? Number(values['max-overlay-bytes']) : undefined;
    if (maxOverlayBytes === undefined) throw new UsageError(`--max-overlay-bytes must be a positive integer, not '${values['max-overlay-bytes']}'`);
    const maxConcurrent = positiveInteger('max-concurrent', values['max-concurrent']);
    const sdk = sdkOptions(values, io);
    const identity = await loadTlsIdentity({ ...sdk, ...(values.cert !== undefined ? { certFile: values.cert } : {}), ...(values.key !== undefined ? { keyFile: values.key } : {}) });
    const log = (record: Record<string, unknown>) => io.stdout.write(`${JSON.stringify(record)}\n`);
    const server = await startServer({ ...sdk, tls: identity, host, port, maxConcurrent, maxOverlayBytes, download: { publicOnly: values['public-only-urls'] }, log });
    log({ time: new Date().toISOString(), event: 'listening', url: server.url, fingerprint: identity.fingerprint, certificate: identity.certFile, selfSigned: identity.selfSigned, maxConcurrent, maxOverlayBytes });
    io.stderr.write(`cloudlet serve: listening on ${server.url}; certificate ${identity.fingerprint}${identity.selfSigned ? ` (self-signed: clients pass --pin ${identity.fingerprint})` : ''}\n`);
    await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
    await server.close();
    log({ time: new Date().toISOString(), event: 'stopped', reason: String((io.signal.reason as Error)?.message ?? io.signal.reason) });
    return 0;
  },
});

/** The certificate's fingerprint, or null (JSON) / a hint (text) when the self-signed pair is not made yet. */
async function printFingerprint(values: { cert?: string | undefined; key?: string | undefined; 'cloudlet-dir'?: string | undefined; json: boolean }, io: CliIo): Promise<number> {
  const identity = await existingTlsIdentity({ ...sdkOptions(values, io), ...(values.cert !== undefined ? { certFile: values.cert } : {}), ...(values.key !== undefined ? { keyFile: values.key } : {}) });
  const text = identity ? `${identity.fingerprint}  ${identity.certFile}${identity.selfSigned ? ' (self-signed)' : ''}` : 'no certificate yet: the first `cloudlet serve` without --cert makes the self-signed pair';
  renderer(io, values.json).result([text], identity ? { fingerprint: identity.fingerprint, certificate: identity.certFile, selfSigned: identity.selfSigned } : { fingerprint: null });
  return 0;
}

/** `ADDR:PORT`, `[V6]:PORT` or `:PORT` (all addresses). */
function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UsageError(`--listen ${value}: expected ADDR:PORT, [IPv6]:PORT or :PORT, a port up to 65535`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}
