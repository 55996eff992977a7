/**
 * Runs `cloudlet` VM commands for tests: in-process through dispatch() with captured output, or as
 * a child process (dispatch-main.ts) that a real SIGINT, SIGTERM or SIGHUP can reach.
 */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../../sdk/cli/index.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed. */
  json: Array<Record<string, unknown>>;
}

export interface InProcessOptions {
  env?: Record<string, string>;
  stdin?: PassThrough;
  signal?: AbortSignal;
  /** Called with every stdout and stderr write, to act on progress (press Enter, interrupt). */
  onOutput?: (text: string) => void;
}

function result(code: number | null, stdout: string, stderr: string): CliResult {
  const json = stdout.split('\n').filter((line) => line.startsWith('{') || line.startsWith('[')).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout, stderr, json };
}

/** @example const { code, json } = await cloudlet(['list-base', '--json'], { env: { CLOUDLET_DIR: dir } }); */
export async function cloudlet(argv: readonly string[], options: InProcessOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await dispatch(argv, {
    stdout: { write: (text: string) => ((stdout += text), options.onOutput?.(text)) },
    stderr: { write: (text: string) => ((stderr += text), options.onOutput?.(text)) },
    stdin: options.stdin ?? new PassThrough(),
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return result(code, stdout, stderr);
}

/** Runs the commands in a child process; `interruptWhen` sends it `signal` (Ctrl-C's SIGINT by default) once its output so far matches. */
export function cloudletProcess(argv: readonly string[], env: Record<string, string>, interruptWhen?: RegExp, signal: NodeJS.Signals = 'SIGINT'): Promise<CliResult> {
  const script = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './dispatch-main.ts' : './dispatch-main.js', import.meta.url));
  const node = import.meta.url.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...node, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const watch = () => {
      if (interruptWhen && !interrupted && interruptWhen.test(stdout + stderr)) {
        interrupted = true;
        child.kill(signal);
      }
    };
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), watch()));
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), watch()));
    child.on('error', reject);
    child.on('close', (code) => resolve(result(code, stdout, stderr)));
  });
}
