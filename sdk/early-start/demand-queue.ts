/**
 * The order in which an early-started VM's remaining disk blobs are fetched: the meta's order,
 * except that a blob a blocked read is waiting for moves to the front ("out-of-order fetching").
 * Only a source that can read blobs in any order (a package file, HTTP Range requests) follows
 * it; a pushed stream comes in the sender's order, and a demand there only waits.
 */
export class DemandQueue {
  private readonly pending: string[];
  private jumped = 0;

  /** `names`: the blobs still to fetch, in the meta's order. */
  constructor(names: readonly string[]) {
    this.pending = [...names];
  }

  /** Blobs not yet handed out. */
  get size(): number {
    return this.pending.length;
  }

  /** How many demands moved a blob ahead of others. */
  get jumps(): number {
    return this.jumped;
  }

  /**
   * A read waits for `name`: it goes first. False when it is first already, handed out, or unknown.
   *
   * @example queue.demand('blob-7') // true: blob-7 is fetched next
   */
  demand(name: string): boolean {
    const at = this.pending.indexOf(name);
    if (at <= 0) return false;
    this.pending.splice(at, 1);
    this.pending.unshift(name);
    this.jumped++;
    return true;
  }

  /** Takes the blob to fetch next; undefined when none is left. */
  next(): string | undefined {
    return this.pending.shift();
  }

  /**
   * Puts `name` back first (it was taken, but an earlier blob must come before it).
   *
   * @example const name = queue.next()!; if (needsEarlier) { queue.putBack(name); queue.demand(earlier); }
   */
  putBack(name: string): void {
    this.pending.unshift(name);
  }
}
