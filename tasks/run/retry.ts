// Connection attempts with exponential back-off and jitter, for hosts that are rebooting
// or jump hosts that are briefly overloaded. Only errors marked retryable are retried.
import { setTimeout as sleep } from 'node:timers/promises';
import { RunnerError } from '../errors.js';

/** How often and how long runTask retries a host that cannot be reached. */
export interface RetryPolicy {
  /** Further attempts after the first one. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.round(Math.min(policy.maxDelayMs, exponential) * (0.5 + random()));
}

/** Calls `attempt` until it succeeds, a non-retryable error occurs, or retries run out. */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  onRetry: (attempt: number, delayMs: number, error: Error) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let number = 1; ; number += 1) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = error instanceof RunnerError && error.retryable;
      if (!retryable || number > policy.retries || signal?.aborted) throw error;
      const delay = backoffDelay(policy, number);
      onRetry(number, delay, error);
      await sleep(delay, undefined, signal ? { signal } : undefined).catch(() => undefined);
    }
  }
}
