/**
 * Customizing a running VM without a person: lines typed on its serial console (the UNIX socket
 * QEMU listens on), then a wait until the customization shows it is done (readiness.ts: a console
 * line, a port answering, a delay, or a person's confirmation). A script run over SSH
 * (ssh-script.ts) comes before both when the customization has one.
 */
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import type { LibvirtDomain } from '../../native/libvirt/index.js';
import { SerialTail, waitUntilReady, type Readiness, type ReadyResult } from '../vm/index.js';
import { ConsoleInputError } from './errors.js';
import type { SshScript } from './ssh-script.js';

/** How a base VM is customized before its overlay is made: lines typed on its console and/or an SSH script, and when it is done (`until`). */
export interface Customization {
  /** Run first, over SSH through a forwarded port; it must exit 0. */
  ssh?: SshScript;
  /**
   * With `ssh`: run `fstrim -av` over SSH just before the save, so the blocks the customization
   * freed cost the overlay nothing (ssh-trim.ts). Default true. A console-only customization trims
   * by running fstrim itself before it signals that it is done.
   */
  trim?: boolean;
  /** Typed on the console in order, each followed by Enter. */
  lines?: readonly string[];
  /** When the customized VM may be saved. */
  until: Readiness;
}

export interface VmConsole {
  domain: LibvirtDomain;
  /** The console log QEMU appends to. */
  serialLog: string;
  /** The UNIX socket QEMU reads console input from. */
  socket: string;
}

/**
 * Types `customization.lines` on the console, then waits for `customization.until`; only console
 * lines written after the typing began count.
 *
 * @example await customizeVm({ lines: ['echo hi >/mnt/hi'], until: { kind: 'serial', pattern: /^AGENT-DONE/, timeoutMs: 60_000 } }, vmConsole, signal);
 */
export async function customizeVm(customization: Customization, vm: VmConsole, signal?: AbortSignal): Promise<ReadyResult> {
  const tail = new SerialTail(vm.serialLog, (await stat(vm.serialLog)).size);
  const lines = customization.lines ?? [];
  const input = lines.length > 0 ? await connect(vm.socket) : undefined;
  try {
    for (const line of lines) {
      if (/[\r\n]/.test(line)) throw new ConsoleInputError(vm.socket, 'a typed line must not contain a line break');
      if (!input!.write(`${line}\n`)) await once(input!, 'drain');
    }
    return await waitUntilReady(customization.until, { domain: vm.domain.name, serial: tail, status: () => vm.domain.status(), ...(signal ? { signal } : {}) });
  } finally {
    input?.destroy();
  }
}

async function connect(socket: string): Promise<Socket> {
  const connection = createConnection(socket);
  try {
    await once(connection, 'connect');
  } catch (error) {
    connection.destroy();
    throw new ConsoleInputError(socket, (error as Error).message);
  }
  // A late error (the VM stopped) must not crash the process; the wait notices the stopped VM.
  connection.on('error', () => undefined);
  return connection;
}
