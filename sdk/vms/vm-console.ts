/**
 * `cloudlet console <vm>`: the serial console of a launched VM, both ways. QEMU listens on the VM's
 * console.sock (and logs to console.log); this connects to it, sends what the user types and hands
 * back what the guest prints, until the user types the escape byte (Ctrl-], as virsh console), the
 * input ends, the VM goes away or the signal aborts. Only one client is served by QEMU at a time.
 */
import { connect, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { CloudletDirOptions } from '../base/index.js';
import { ConsoleAttachError } from './errors.js';
import type { LaunchedVm } from './vm-record.js';
import { VmRegistry } from './vm-registry.js';

/** Ctrl-]: ends the session, as in virsh console and telnet. */
export const CONSOLE_ESCAPE = 0x1d;

/** The terminal a console session reads from and writes to. */
export interface ConsoleStreams {
  /** What the user types; raw bytes (the CLI puts a terminal in raw mode). */
  input: NodeJS.ReadableStream;
  /** Where the guest's output goes. */
  output: Pick<Writable, 'write'>;
  signal?: AbortSignal;
  /** Called once connected, before any byte is relayed (the CLI says how to detach). */
  onAttached?: (vm: { name: string }) => void;
}

/** How the session ended. */
export type ConsoleEnd = 'escape' | 'input-ended' | 'vm-closed' | 'aborted';

/**
 * Attaches to VM `ref` (name, ID or ID prefix) and relays until the session ends.
 *
 * @example const end = await attachConsole('my-vm', { input: process.stdin, output: process.stdout });
 */
export async function attachConsole(ref: string, streams: ConsoleStreams, options: CloudletDirOptions = {}): Promise<{ vm: LaunchedVm; end: ConsoleEnd }> {
  const vm = await (await VmRegistry.open(options)).resolve(ref);
  return { vm, end: await attachConsoleSocket({ name: vm.name, socket: vm.files.socket }, streams) };
}

/**
 * Attaches to a console socket that belongs to no registered VM: the throwaway VM `cloudlet base`
 * or `cloudlet overlay` prints while it waits for a person (`--interactive`).
 *
 * @example const end = await attachConsoleSocket({ name: 'cloudlet-overlay-1a2b', socket: '/…/console.sock' }, streams);
 */
export async function attachConsoleSocket(target: { name: string; socket: string }, streams: ConsoleStreams): Promise<ConsoleEnd> {
  const socket = await open(target);
  streams.onAttached?.(target);
  return relay(socket, streams);
}

function open(vm: { name: string; socket: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(vm.socket);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const problem = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'the VM is not running (cloudlet list shows its state)' : error.message;
      reject(new ConsoleAttachError(vm.name, vm.socket, problem, { cause: error }));
    });
  });
}

function relay(socket: Socket, { input, output, signal }: ConsoleStreams): Promise<ConsoleEnd> {
  return new Promise((resolve) => {
    const finish = (end: ConsoleEnd) => {
      input.off('data', onInput);
      input.off('end', onInputEnd);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(end);
    };
    const onInput = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const escape = bytes.indexOf(CONSOLE_ESCAPE);
      if (escape >= 0) {
        if (escape > 0) socket.write(bytes.subarray(0, escape));
        finish('escape');
        return;
      }
      socket.write(bytes);
    };
    const onInputEnd = () => finish('input-ended');
    const onAbort = () => finish('aborted');
    socket.on('data', (chunk: Buffer) => output.write(chunk));
    socket.once('close', () => finish('vm-closed'));
    socket.on('error', () => undefined);
    input.on('data', onInput);
    input.once('end', onInputEnd);
    if (signal?.aborted) finish('aborted');
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
