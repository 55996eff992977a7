/**
 * Running the benchmark's shell steps: every external command goes through `run`, so a failure
 * names the command and the last lines it printed, and every long phase goes through `step`, so
 * the operator watching a 15-minute run sees where the time goes (on stderr; the table is stdout).
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

export class BenchCommandError extends Error {
  override name = 'BenchCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? '?'}): ${stderrTail}`);
  }
}

export interface RunOptions {
  cwd?: string;
  /** Read stdin from this file. */
  stdinFile?: string;
  /** Write stdout to this file instead of returning it. */
  stdoutFile?: string;
}

/**
 * Runs `file args` and returns its stdout (empty when it went to `stdoutFile`). Files are handed to
 * the child as plain descriptors, so the bytes of a measured tool never pass through this process.
 *
 * @example
 * await run('qemu-img', ['create', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', 'custom.qcow2'], { cwd: dir });
 */
export async function run(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  const stdin = options.stdinFile ? await open(options.stdinFile, 'r') : undefined;
  const stdout = options.stdoutFile ? await open(options.stdoutFile, 'w') : undefined;
  try {
    const child = spawn(file, args, { cwd: options.cwd, env: { ...process.env, LC_ALL: 'C' }, stdio: [stdin?.fd ?? 'ignore', stdout?.fd ?? 'pipe', 'pipe'] });
    // A benchmark killed mid-run must not leave a tool crunching on in the background.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const output: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject).once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    const [code, signal] = await exited.finally(() => process.off('exit', killOnExit)).catch((error: unknown) => {
      throw new BenchCommandError(`${file} ${args.join(' ')}`, undefined, String(error));
    });
    if (code !== 0) {
      const tail = stderr.trim().split('\n').slice(-5).join(' | ') || `signal ${signal}`;
      throw new BenchCommandError(`${file} ${args.join(' ')}`, code ?? undefined, tail);
    }
    return Buffer.concat(output).toString('utf8');
  } finally {
    await Promise.all([stdin?.close(), stdout?.close()]);
  }
}

/** Writes a progress line to stderr, e.g. `[bench 12.3s] booting the base VM`. */
export function progress(message: string): void {
  const elapsed = (performance.now() / 1000).toFixed(1);
  process.stderr.write(`[bench ${elapsed}s] ${message}\n`);
}

/** Runs one phase of the benchmark, reporting its start and duration. */
export async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
  progress(`${label} …`);
  const started = performance.now();
  const result = await work();
  progress(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}
