/**
 * The limit on syntheses running at once. A synthesis uses every core and writes the VM's whole
 * memory and disk, so a request beyond the limit is refused at once (429 with Retry-After) rather
 * than queued: a queued upload would hold its connection, and the client can try another cloudlet.
 */
export class SynthesisSlots {
  private taken = 0;

  constructor(readonly max: number) {}

  get running(): number {
    return this.taken;
  }

  /** A release function when a slot is free (call it exactly once), else undefined. */
  tryTake(): (() => void) | undefined {
    if (this.taken >= this.max) return undefined;
    this.taken++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken--;
    };
  }
}
