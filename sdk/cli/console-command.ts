/** `cloudlet console <vm>`: the serial console of a synthesized VM, interactive; Ctrl-] detaches. */
import { StringDecoder } from 'node:string_decoder';
import { attachConsole, attachConsoleSocket, type ConsoleEnd, type ConsoleStreams } from '../vms/index.js';
import { COMMON_OPTIONS, defineCommand, sdkOptions, UsageError } from './command.js';

const ENDINGS: Record<ConsoleEnd, string> = {
  escape: 'detached',
  'input-ended': 'input ended; detached',
  'vm-closed': 'the console closed: the VM stopped or was destroyed',
  aborted: 'interrupted; detached',
};

export const consoleCommand = defineCommand({
  name: 'console',
  summary: "attach to a synthesized VM's serial console (<vm>), or to the socket a waiting base/overlay VM printed (--socket); Ctrl-] detaches, the VM keeps running",
  operands: ['[<vm>]'],
  options: { socket: { type: 'string', placeholder: 'PATH' }, 'cloudlet-dir': COMMON_OPTIONS['cloudlet-dir'] },
  async run({ values, positionals }, io) {
    if ((positionals.length === 1) === (values.socket !== undefined)) throw new UsageError('name a VM or give --socket, one of the two');
    const stdin = io.stdin as NodeJS.ReadStream;
    // On a terminal every key goes to the guest as typed (Ctrl-C included), as with virsh console.
    const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
    const decoder = new StringDecoder('utf8');
    const streams: ConsoleStreams = {
      input: stdin,
      output: { write: (chunk: Buffer) => io.stdout.write(decoder.write(chunk)) !== false },
      signal: io.signal,
      onAttached: (attached) => {
        io.stderr.write(`connected to the console of ${attached.name}; Ctrl-] detaches\n`);
        if (raw) stdin.setRawMode(true);
      },
    };
    try {
      const socket = values.socket;
      const { name, end } = socket !== undefined
        ? { name: socket, end: await attachConsoleSocket({ name: socket, socket }, streams) }
        : await attachConsole(positionals[0]!, streams, sdkOptions(values, io)).then(({ vm, end }) => ({ name: vm.name, end }));
      io.stdout.write(decoder.end());
      io.stderr.write(`\n${name}: ${ENDINGS[end]}\n`);
      return 0;
    } finally {
      if (raw) stdin.setRawMode(false);
    }
  },
});
