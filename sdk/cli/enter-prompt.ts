/** `--interactive`: a person prepares the VM at its console and presses Enter here when it may be saved. */
import { createInterface } from 'node:readline';
import type { CliIo } from './command.js';
import { CloudletError } from '../errors/cloudlet-error.js';

/** stdin ended before the person at the console pressed Enter. */
export class InteractiveInputClosedError extends CloudletError {
  static override readonly code: string = 'cli-input-closed';
  constructor() {
    super('stdin closed before Enter was pressed; nothing was saved (run without --interactive to save unattended)');
  }
}

export interface EnterPrompt {
  pressed: Promise<void>;
  /** Says where the console is and what Enter does. */
  prompt(domain: string, serialLog: string, socket?: string): void;
  close(): void;
}

/**
 * A promise for the person's Enter; stdin closing first aborts the command through `input`.
 *
 * @example const enter = waitForEnter(io, input, 'save it as a base');
 */
export function waitForEnter(io: CliIo, input: AbortController, purpose: string): EnterPrompt {
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
    prompt: (domain, serialLog, socket) => {
      // A file-backed console takes no input; a socket-backed one does.
      const typing = socket ? `Type on its console: cloudlet console --socket ${socket}\n` : '';
      io.stderr.write(`VM ${domain} is running. Its console output: tail -f ${serialLog}\n${typing}Prepare it, then press Enter here to ${purpose} (Ctrl-C to give up).\n`);
    },
    close: () => {
      answered = true;
      lines.close();
    },
  };
}
