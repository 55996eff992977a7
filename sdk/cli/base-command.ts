/** `cloudlet base <disk.raw>`: boot a bootable raw disk, wait until it is ready, save it and register it as a base VM. */
import { createInterface } from 'node:readline';
import { createBase } from '../base/index.js';
import { COMMON_OPTIONS, CONNECT_OPTION, parseCommandArgs, positiveInteger, sdkOptions, UsageError, type CliIo, type Command } from './command.js';
import { DEFAULT_READY, parseReadyOption } from './ready-option.js';
import { renderer } from './render-progress.js';

/** stdin ended before the person at the console pressed Enter. */
export class InteractiveInputClosedError extends Error {
  override name = 'InteractiveInputClosedError';
  constructor() {
    super('stdin closed before Enter was pressed; nothing was saved (run without --interactive and with --ready to save unattended)');
  }
}

export const baseCommand: Command = {
  name: 'base',
  usage: 'base <disk.raw> [--ready serial:TEXT|tcp:PORT|delay:SECONDS] [--timeout SECONDS] [--interactive] [--memory MiB] [--name NAME] [--json]',
  summary: 'boot a raw disk, wait until it is ready, save its memory and register it as a base VM',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...COMMON_OPTIONS,
      ...CONNECT_OPTION,
      ready: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      interactive: { type: 'boolean', default: false },
      memory: { type: 'string' },
      name: { type: 'string' },
    }, [1, 1]);
    if (values.interactive && values.ready !== undefined) throw new UsageError('--interactive and --ready exclude each other');
    const timeoutMs = positiveInteger('timeout', values.timeout) * 1000;
    const choice = values.interactive ? undefined : parseReadyOption(values.ready ?? DEFAULT_READY, timeoutMs);
    const render = renderer(io, values.json);
    const input = new AbortController();
    const signal = AbortSignal.any([io.signal, input.signal]);
    const enter = values.interactive ? waitForEnter(io, input) : undefined;
    try {
      const base = await createBase(positionals[0]!, {
        ...sdkOptions(values, io),
        ready: enter ? { kind: 'confirmed', confirmed: enter.pressed } : choice!.readiness,
        forwards: choice?.forwards ?? [],
        ...(values.memory !== undefined ? { memoryMiB: positiveInteger('memory', values.memory) } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
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
};

/** A promise for the person's Enter; stdin closing first aborts the command through `input`. */
function waitForEnter(io: CliIo, input: AbortController) {
  const lines = createInterface({ input: io.stdin });
  let answered = false;
  const pressed = new Promise<void>((resolve) => {
    lines.once('line', () => {
      answered = true;
      resolve();
    });
  });
  lines.once('close', () => {
    if (!answered) input.abort(new InteractiveInputClosedError());
  });
  return {
    pressed,
    // The template's serial console is a log file: the guest's output is there, and it takes no input.
    prompt: (domain: string, serialLog: string) =>
      io.stderr.write(`VM ${domain} is running. Its console output: tail -f ${serialLog}\nPrepare it, then press Enter here to save it as a base (Ctrl-C to give up).\n`),
    close: () => {
      answered = true;
      lines.close();
    },
  };
}
