/**
 * `cloudlet overlay <base>`: resume the base on a new qcow2 layer, customize it without a person
 * (a script run over SSH, or lines typed on its console, then a marker line or a settling delay)
 * or with one (--interactive), save it and write the overlay package, signed with --sign.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createVmOverlay, type Customization } from '../customize/index.js';
import { readSigningKey } from '../overlay/index.js';
import type { Readiness } from '../vm/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, defineCommand, positiveInteger, sdkOptions, UsageError } from './command.js';
import { waitForEnter } from './enter-prompt.js';
import { parseForwardOption } from './forward-option.js';
import { literalPattern } from './ready-option.js';
import { renderer } from './render-progress.js';
import { parseSshOptions } from './ssh-option.js';

/** Without --wait-for, typed lines get this long to run before the VM is saved; an SSH script has ended by then, so it gets none. */
const DEFAULT_SETTLE_SECONDS = 3;

export const overlayCommand = defineCommand({
  name: 'overlay',
  summary: 'resume a base on a new disk layer, customize it (a --script or --type lines typed on its console, or a --script run over --ssh; --wait-for a line), save it and write the overlay',
  operands: ['<base>'],
  options: {
    script: { type: 'string', placeholder: 'FILE' },
    type: { type: 'string', multiple: true, default: [], placeholder: 'LINE' },
    ssh: { type: 'string', placeholder: 'USER@HOST:PORT' },
    'ssh-key': { type: 'string', placeholder: 'FILE' },
    'known-hosts': { type: 'string', placeholder: 'FILE' },
    'host-key': { type: 'string', placeholder: 'SHA256:...' },
    'no-trim': { type: 'boolean', default: false },
    'wait-for': { type: 'string', placeholder: 'TEXT' },
    settle: { type: 'string', placeholder: 'SECONDS' },
    timeout: { type: 'string', default: '300', placeholder: 'SECONDS' },
    interactive: { type: 'boolean', default: false },
    forward: { type: 'string', multiple: true, default: [], placeholder: 'tcp:HOST:GUEST' },
    output: { type: 'string', placeholder: 'FILE' },
    mode: { type: 'string', placeholder: 'OCTAL' },
    sign: { type: 'string', placeholder: 'KEYFILE' },
    name: { type: 'string' },
    ...CONNECT_OPTION,
    ...COMMON_OPTIONS,
  },
  async run({ values, positionals }, io) {
    if (values.script !== undefined && values.type.length > 0) throw new UsageError('--script and --type exclude each other');
    if (values.interactive && values['wait-for'] !== undefined) throw new UsageError('--interactive and --wait-for exclude each other');
    if (values.ssh !== undefined && values.type.length > 0) throw new UsageError('--ssh runs a --script; --type lines are typed on the console');
    const timeoutMs = positiveInteger('timeout', values.timeout) * 1000;
    const forwards = values.forward.map(parseForwardOption);
    const ssh = parseSshOptions(values, forwards, timeoutMs);
    const lines = ssh ? [] : values.script !== undefined ? await scriptLines(values.script) : values.type;
    if (!values.interactive && !ssh && lines.length === 0 && values['wait-for'] === undefined) {
      throw new UsageError('say how to customize the VM: --script, --type, --wait-for or --interactive');
    }
    const settleMs = (values.settle !== undefined ? positiveInteger('settle', values.settle) : ssh ? 0 : DEFAULT_SETTLE_SECONDS) * 1000;
    const ref = positionals[0]!;
    const output = values.output ?? join(process.cwd(), `${basename(ref)}.overlay.zip`);
    const mode = values.mode === undefined ? undefined : fileMode(values.mode);
    // Read before the VM boots: a wrong key file should not cost a customization.
    const signingKey = values.sign === undefined ? undefined : await readSigningKey(values.sign);

    const render = renderer(io, values.json);
    const input = new AbortController();
    const signal = AbortSignal.any([io.signal, input.signal]);
    const enter = values.interactive ? waitForEnter(io, input, 'save it and write the overlay') : undefined;
    const until: Readiness = enter
      ? { kind: 'confirmed', confirmed: enter.pressed }
      : values['wait-for'] !== undefined
        ? { kind: 'serial', pattern: literalPattern(values['wait-for']), timeoutMs }
        : { kind: 'delay', ms: settleMs };
    if (values['no-trim'] && !ssh) throw new UsageError('--no-trim: only an --ssh customization is trimmed (over SSH); a console customization runs fstrim itself');
    const customization: Customization = { lines, until, ...(ssh ? { ssh, trim: !values['no-trim'] } : {}) };
    const started = Date.now();
    try {
      const overlay = await createVmOverlay(ref, customization, {
        ...sdkOptions(values, io),
        output,
        mode,
        forwards,
        ...(signingKey ? { signingKey } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
        signal,
        onProgress: (event) => {
          render.progress(event);
          if (enter && event.kind === 'console') enter.prompt(event.domain, event.serialLog, event.socket);
        },
      });
      const elapsedMs = Date.now() - started;
      render.result(
        [`overlay ${overlay.path}  ${overlay.size} bytes, for base ${overlay.base.id.slice(0, 12)} (${overlay.base.name}), ${signingKey ? `signed by key ${signingKey.id.slice(0, 16)}…, ` : ''}in ${elapsedMs} ms`],
        { overlay: { path: overlay.path, size: overlay.size, base: overlay.base, signedBy: signingKey?.id ?? null }, elapsedMs },
      );
      return 0;
    } finally {
      enter?.close();
    }
  },
});

/** --mode: the overlay is 0600 unless the person running this shares it on purpose. */
function fileMode(value: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) throw new UsageError(`--mode ${value}: give the overlay's file mode in octal, such as 0640 (default 0600)`);
  return Number.parseInt(value, 8);
}

/** A script's non-empty lines, typed one by one on the console. */
async function scriptLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--script ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  return text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
}
