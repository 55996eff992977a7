// Rolling runs (Ansible's `serial` and `max_fail_percentage`): hosts go in batches, one batch
// after the other, and a batch in which too many hosts failed stops the batches after it.
import { UsageError } from '../errors.js';

/** Hosts per batch: a count, or a percentage of all hosts (`"30%"`). */
export type Serial = number | `${number}%`;

/** Why a run stopped before its last batch. */
export interface BatchStop {
  /** The batch that failed, from 1. */
  readonly afterBatch: number;
  readonly batches: number;
  /** Hosts of that batch that failed or were unreachable, and the batch's size. */
  readonly failed: number;
  readonly hosts: number;
  readonly maxFailPercentage: number;
}

/** The batch size for `total` hosts: a percentage is rounded down, and is at least one host. */
export function batchSize(serial: Serial | undefined, total: number): number {
  if (serial === undefined) return Math.max(1, total);
  if (typeof serial === 'number') {
    if (!Number.isInteger(serial) || serial < 1) throw new UsageError(`serial must be a whole number >= 1 or a percentage such as "30%", got ${serial}`);
    return serial;
  }
  const percent = Number(serial.slice(0, -1));
  if (!/^\d+(\.\d+)?%$/.test(serial) || percent <= 0 || percent > 100) throw new UsageError(`serial must be a percentage from 1% to 100%, got "${serial}"`);
  return Math.max(1, Math.floor((total * percent) / 100));
}

/** `items` cut into batches of `size` (the last one may be smaller). */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** True when more than `maxFailPercentage` percent of a batch's hosts failed (exactly that many is still fine). */
export function batchFailed(failed: number, hosts: number, maxFailPercentage: number | undefined): boolean {
  return maxFailPercentage !== undefined && hosts > 0 && (failed * 100) / hosts > maxFailPercentage;
}
