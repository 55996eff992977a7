/**
 * Boots the benchmark guest (bench-init.ts) under QEMU/TCG: the root filesystem disk as vda, the
 * package tarball as a read-only vdb, the console on ttyS0 (a log file) and a command line on ttyS1
 * (a unix socket). The base boot and the resumed customized VM must have identical devices for the
 * migration stream to load, so both go through launchBenchGuest and differ only in the vda backend.
 * The levers of issue #16 map to what our domain template and `cloudlet overlay` do: discards passed
 * through on vda, and a virtio balloon with free-page reporting (plus, as an experiment libvirt 9
 * cannot express without qemu:commandline, free-page hinting, which needs an iothread).
 */
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { GuestVm } from '../../fixtures/guest/index.js';
import { BENCH_INIT_NAME, type BenchKernel } from './bench-init.js';

/** The ways a pair can be made smaller at the source (issue #16); none by default. */
export interface DatasetLevers {
  /** Discards passed through on vda, and `fstrim` in the customized guest before its save. */
  trim: boolean;
  /** A virtio balloon reporting free pages, on base and customized VM alike; 'hint' adds free-page hinting. */
  balloon: 'none' | 'reporting' | 'hint';
}

export const NO_LEVERS: DatasetLevers = { trim: false, balloon: 'none' };

/** The guest's RAM: the paper's base VMs had 1 GB, and the page cache of the install fits with no eviction. */
export const GUEST_MEMORY_MIB = 1024;

export interface BenchGuestOptions {
  kernel: BenchKernel;
  /** Directory for the serial log and the sockets (keep the path short: sockets allow 107 bytes). */
  workDir: string;
  name: string;
  disk: { file: string; format: 'raw' | 'qcow2' };
  packagesTar: string;
  levers: DatasetLevers;
  /** Start with `-incoming defer`, to be resumed from a memory snapshot. */
  incoming?: boolean;
}

export interface BenchGuest {
  vm: GuestVm;
  /** Sends one command line to bench-init (on ttyS1). */
  command(line: string): Promise<void>;
  /** Closes the command line and quits QEMU. */
  stop(): Promise<void>;
}

/**
 * Launches QEMU and connects QMP.
 *
 * @example
 * const { vm } = await launchBenchGuest({ kernel, workDir, name: 'base', disk: { file: 'base.raw', format: 'raw' }, packagesTar });
 * await vm.waitForSerial(/^BENCH-BASE-READY$/, 600_000);
 */
export async function launchBenchGuest(options: BenchGuestOptions): Promise<BenchGuest> {
  const serialLog = join(options.workDir, `${options.name}.serial.log`);
  const qmpSocket = join(options.workDir, `${options.name}.qmp`);
  const commandSocket = join(options.workDir, `${options.name}.cmd`);
  const args = [
    '-accel', 'tcg',
    '-m', String(GUEST_MEMORY_MIB),
    '-display', 'none',
    '-nodefaults',
    '-no-reboot',
    '-serial', `file:${serialLog}`,
    '-chardev', `socket,id=cmd,path=${commandSocket},server=on,wait=off`,
    '-serial', 'chardev:cmd',
    '-kernel', options.kernel.kernel,
    '-initrd', options.kernel.initrd,
    '-append', `console=ttyS0 quiet panic=-1 rdinit=/${BENCH_INIT_NAME}`,
    '-qmp', `unix:${qmpSocket},server=on,wait=off`,
    '-drive', `file=${options.disk.file},if=virtio,format=${options.disk.format}${options.levers.trim ? ',discard=unmap,detect-zeroes=unmap' : ''}`,
    '-drive', `file=${options.packagesTar},if=virtio,format=raw,readonly=on`,
    ...balloonArgs(options.levers.balloon),
  ];
  if (options.incoming) args.push('-incoming', 'defer');
  const vm = await GuestVm.start(args, serialLog, qmpSocket);
  let connection: Socket | undefined;
  return {
    vm,
    async command(line) {
      connection ??= await connect(commandSocket);
      // Kept open until stop: closing right after the write could make QEMU drop the unread bytes.
      await new Promise<void>((resolve, reject) => connection!.write(`${line}\n`, (error) => (error ? reject(error) : resolve())));
    },
    async stop() {
      connection?.destroy();
      await vm.stop();
    },
  };
}

function balloonArgs(balloon: DatasetLevers['balloon']): string[] {
  if (balloon === 'none') return [];
  if (balloon === 'reporting') return ['-device', 'virtio-balloon-pci,free-page-reporting=on'];
  return ['-object', 'iothread,id=balloon-io', '-device', 'virtio-balloon-pci,free-page-reporting=on,free-page-hint=on,iothread=balloon-io'];
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      // QEMU resets its end when it quits; that must not become an uncaught 'error' event.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
