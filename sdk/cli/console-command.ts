/** `cloudlet console <vm>`: the serial console of a synthesized VM, interactive; Ctrl-] detaches. */
import { StringDecoder } from 'node:string_decoder';
import { attachConsole, type ConsoleEnd } from '../launch/index.js';
import { COMMON_OPTIONS, parseCommandArgs, sdkOptions, type Command } from './command.js';

const ENDINGS: Record<ConsoleEnd, string> = {
  escape: 'detached',
  'input-ended': 'input ended; detached',
  'vm-closed': 'the console closed: the VM stopped or was destroyed',
  aborted: 'interrupted; detached',
};

export const consoleCommand: Command = {
  name: 'console',
  usage: 'console <vm>',
  summary: "attach to a synthesized VM's serial console (Ctrl-] detaches; the VM keeps running)",
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { 'cloudlet-dir': COMMON_OPTIONS['cloudlet-dir'] }, [1, 1]);
    const stdin = io.stdin as NodeJS.ReadStream;
    // On a terminal every key goes to the guest as typed (Ctrl-C included), as with virsh console.
    const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
    const decoder = new StringDecoder('utf8');
    try {
      const { vm, end } = await attachConsole(positionals[0]!, {
        input: stdin,
        output: { write: (chunk: Buffer) => io.stdout.write(decoder.write(chunk)) !== false },
        signal: io.signal,
        onAttached: (attached) => {
          io.stderr.write(`connected to the console of ${attached.name} (${attached.id}); Ctrl-] detaches\n`);
          if (raw) stdin.setRawMode(true);
        },
      }, sdkOptions(values, io));
      io.stdout.write(decoder.end());
      io.stderr.write(`\n${vm.name}: ${ENDINGS[end]}\n`);
      return 0;
    } finally {
      if (raw) stdin.setRawMode(false);
    }
  },
};
