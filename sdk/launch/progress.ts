/**
 * What launching a VM reports while it runs. The events have the shapes of sdk/base's, so one
 * renderer in the CLI serves both.
 */
import type { DomainType } from '../vm/index.js';

export type LaunchStep =
  | 'check' | 'copy' | 'register' | 'restore' | 'forward'
  /** cloudlet synthesis */
  | 'download' | 'synthesize' | 'wrap'
  /** cloudlet overlay */
  | 'layer' | 'customize' | 'save' | 'overlay';

export type LaunchProgress =
  | { kind: 'step-start'; step: LaunchStep }
  | { kind: 'step-done'; step: LaunchStep; elapsedMs: number; detail: string }
  /** Said once per launch: KVM or TCG, and why. */
  | { kind: 'acceleration'; domainType: DomainType; detail: string }
  /** The VM runs: where its console output goes, and the UNIX socket that takes console input when it has one. */
  | { kind: 'console'; domain: string; serialLog: string; socket?: string }
  /** After a failure or interrupt: what was removed. */
  | { kind: 'cleaned'; domain: string | undefined; path: string };

export type LaunchProgressListener = (event: LaunchProgress) => void;

/** Runs one step between start and done events, refusing to start it once `signal` has fired. */
export async function runLaunchStep<T>(
  emit: LaunchProgressListener,
  step: LaunchStep,
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
