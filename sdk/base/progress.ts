/**
 * What base operations report while they run. The SDK never prints: the CLI renders these events
 * (and tests read timings from them).
 */
import type { DomainType } from '../vm/index.js';

export type BaseStep =
  | 'check'
  | 'copy'
  | 'boot'
  | 'ready'
  | 'save'
  | 'hash-disk'
  | 'hash-memory'
  | 'register'
  | 'extract'
  | 'verify'
  | 'archive';

/** Events of a VM operation made of steps; base and launch operations share them, so one renderer serves both. */
export type StepProgress<S extends string> =
  | { kind: 'step-start'; step: S }
  | { kind: 'step-done'; step: S; elapsedMs: number; detail: string }
  /** Said once per VM start: KVM or TCG, and why. */
  | { kind: 'acceleration'; domainType: DomainType; detail: string }
  /** The VM runs: where its console output goes, and the UNIX socket that takes console input when it has one. */
  | { kind: 'console'; domain: string; serialLog: string; socket?: string }
  /** After a failure or interrupt, or for leftovers of killed commands: what was removed. */
  | { kind: 'cleaned'; domain: string | undefined; path: string };

export type BaseProgress = StepProgress<BaseStep>;

export type ProgressListener = (event: BaseProgress) => void;

/**
 * Runs one step between start and done events, refusing to start it once `signal` has fired.
 * `describe` turns the result into the done event's detail.
 */
export async function runStep<S extends string, T>(
  emit: (event: StepProgress<S>) => void,
  step: S,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
  describe: (result: T) => string = () => '',
): Promise<T> {
  signal?.throwIfAborted();
  emit({ kind: 'step-start', step });
  const started = Date.now();
  const result = await run();
  emit({ kind: 'step-done', step, elapsedMs: Date.now() - started, detail: describe(result) });
  return result;
}
