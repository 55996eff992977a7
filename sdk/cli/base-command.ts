/** `cloudlet base <disk.raw>`: boot a bootable raw disk, wait until it is ready, save it and register it as a base VM. */
import { createBase } from '../base/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, defineCommand, positiveInteger, sdkOptions, UsageError } from './command.js';
import { waitForEnter } from './enter-prompt.js';
import { DEFAULT_READY, parseReadyOption } from './ready-option.js';
import { renderer } from './render-progress.js';

export const baseCommand = defineCommand({
  name: 'base',
  summary: 'boot a raw disk, wait until it is ready, save its memory and register it as a base VM',
  operands: ['<disk.raw>'],
  options: {
    ready: { type: 'string', placeholder: 'serial:TEXT|tcp:PORT|delay:SECONDS' },
    timeout: { type: 'string', default: '300', placeholder: 'SECONDS' },
    interactive: { type: 'boolean', default: false },
    memory: { type: 'string', placeholder: 'MiB' },
    'no-balloon': { type: 'boolean', default: false },
    name: { type: 'string' },
    ...CONNECT_OPTION,
    ...COMMON_OPTIONS,
  },
  async run({ values, positionals }, io) {
    if (values.interactive && values.ready !== undefined) throw new UsageError('--interactive and --ready exclude each other');
    const timeoutMs = positiveInteger('timeout', values.timeout) * 1000;
    const choice = values.interactive ? undefined : parseReadyOption(values.ready ?? DEFAULT_READY, timeoutMs);
    const render = renderer(io, values.json);
    const input = new AbortController();
    const signal = AbortSignal.any([io.signal, input.signal]);
    const enter = values.interactive ? waitForEnter(io, input, 'save it as a base') : undefined;
    try {
      const base = await createBase(positionals[0]!, {
        ...sdkOptions(values, io),
        ready: enter ? { kind: 'confirmed', confirmed: enter.pressed } : choice!.readiness,
        forwards: choice?.forwards ?? [],
        ...(values.memory !== undefined ? { memoryMiB: positiveInteger('memory', values.memory) } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
        freePageReporting: !values['no-balloon'],
        signal,
        onProgress: (event) => {
          render.progress(event);
          if (enter && event.kind === 'console') enter.prompt(event.domain, event.serialLog);
        },
      });
      render.result([`base ${base.id}  ${base.name}`, `  in ${base.dir}`], { base: { id: base.id, name: base.name, dir: base.dir } });
      return 0;
    } finally {
      enter?.close();
    }
  },
});
