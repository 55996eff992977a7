// Who sends the archive to whom in `push-base --relay`: one pool per run and archive, shared by
// every host's body. The operator serves one host at a time, and only while no host has or is
// getting the archive (so its uplink carries it about once); every host that holds the checked
// archive serves up to `fanout` others, so the copies spread as a tree. A source whose relay
// failed is dropped; its target asks again and gets another source, or the operator once no
// host has or is getting the archive. A source waits in `retire` until no host can need it any
// more: nobody waiting or receiving, every host that began has decided, and every host of the
// run has begun (or no worker is free to begin one, or nobody began for LINGER_MS: a host that
// never connects must not hold the others).
import type { RunScope } from '../task/task-context.js';

/** Where a target's bytes come from: the operator, or a host that has the archive (`handle` reaches it). */
export type RelayLease<H> = { readonly kind: 'operator' } | { readonly kind: 'host'; readonly name: string; readonly handle: H };

type HostState = 'deciding' | 'waiting' | 'receiving' | 'source' | 'settled' | 'left';

interface Source<H> {
  readonly handle: H;
  serving: number;
  /** No new targets: its relay failed, or it retired. */
  failed: boolean;
  retired: boolean;
}

export const LINGER_MS = 5_000;

export class RelayPool<H> {
  readonly #states = new Map<string, HostState>();
  readonly #sources = new Map<string, Source<H>>();
  readonly #waiting: Array<{ readonly host: string; readonly grant: (lease: RelayLease<H>) => void }> = [];
  readonly #retiring = new Set<() => void>();
  #operatorBusy = false;
  #lastJoin = Date.now();
  #linger: NodeJS.Timeout | undefined;

  constructor(
    readonly run: RunScope,
    readonly fanout: number,
    private readonly lingerMs = LINGER_MS,
  ) {
    // Ctrl-C: nobody waits for a source any more; the operator's upload path meets the abort as a direct upload does.
    run.signal?.addEventListener('abort', () => this.#update(), { once: true });
  }

  /** A host's body began. */
  join(host: string): void {
    this.#states.set(host, 'deciding');
    this.#lastJoin = Date.now();
    this.#update();
  }

  /** Resolves with the source the host gets its bytes from; give it back with `release`. */
  acquire(host: string): Promise<RelayLease<H>> {
    this.#states.set(host, 'waiting');
    return new Promise((grant) => {
      this.#waiting.push({ host, grant });
      this.#update();
    });
  }

  /**
   * The transfer ended: the host now serves others through `received`, or `sourceFailed` drops a
   * host source from the pool. One step, so nobody is handed the operator in between.
   */
  release(host: string, lease: RelayLease<H>, outcome: { readonly received?: H; readonly sourceFailed?: boolean }): void {
    if (lease.kind === 'operator') this.#operatorBusy = false;
    else {
      const source = this.#sources.get(lease.name)!;
      source.serving -= 1;
      if (outcome.sourceFailed) source.failed = true;
    }
    if (outcome.received !== undefined) this.#sources.set(host, { handle: outcome.received, serving: 0, failed: false, retired: false });
    this.#states.set(host, outcome.received !== undefined ? 'source' : 'deciding');
    this.#update();
  }

  /** The host needs nothing more and serves nobody (it had the base, or failed). */
  settle(host: string): void {
    if (!this.#sources.has(host)) this.#states.set(host, 'settled');
    this.#update();
  }

  /**
   * Resolves once the host's archive can go: nobody can need it any more, or (aborted) once the
   * transfers it serves have ended. The host is then no source.
   */
  async retire(host: string): Promise<void> {
    const source = this.#sources.get(host);
    const { signal } = this.run;
    if (source && !source.retired) {
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (source.serving === 0 && (signal?.aborted || this.#nobodyNeedsSources())) {
            source.failed = true;
            source.retired = true;
            this.#retiring.delete(check);
            signal?.removeEventListener('abort', check);
            resolve();
          }
        };
        this.#retiring.add(check);
        signal?.addEventListener('abort', check);
        this.#update();
      });
    }
    this.leave(host);
  }

  /** The host's body ends. */
  leave(host: string): void {
    this.#states.set(host, 'left');
    this.#update();
  }

  #nobodyNeedsSources(): boolean {
    const states = [...this.#states.values()];
    if (states.some((state) => state === 'deciding' || state === 'waiting' || state === 'receiving')) return false;
    const active = states.filter((state) => state !== 'left').length;
    return this.#states.size >= this.run.hosts.length || active >= this.run.parallel || Date.now() - this.#lastJoin >= this.lingerMs;
  }

  #update(): void {
    this.#grant();
    for (const check of [...this.#retiring]) check();
    clearTimeout(this.#linger);
    this.#linger = undefined;
    // Only the wait for hosts that have not begun passes with time; wake the retiring sources then.
    if (this.#retiring.size > 0 && this.#states.size < this.run.hosts.length) {
      this.#linger = setTimeout(() => this.#update(), Math.max(0, this.#lastJoin + this.lingerMs - Date.now()) + 10);
    }
  }

  #grant(): void {
    while (this.#waiting.length > 0) {
      const lease: RelayLease<H> | undefined = this.run.signal?.aborted ? { kind: 'operator' } : this.#nextLease();
      if (!lease) return;
      const { host, grant } = this.#waiting.shift()!;
      this.#states.set(host, 'receiving');
      grant(lease);
    }
  }

  #nextLease(): RelayLease<H> | undefined {
    const live = [...this.#sources.entries()].filter(([, source]) => !source.failed);
    const free = live.filter(([, source]) => source.serving < this.fanout).sort(([, a], [, b]) => a.serving - b.serving)[0];
    if (free) {
      const [name, source] = free;
      source.serving += 1;
      return { kind: 'host', name, handle: source.handle };
    }
    const coming = [...this.#states.values()].includes('receiving');
    if (this.#operatorBusy || live.length > 0 || coming) return undefined;
    this.#operatorBusy = true;
    return { kind: 'operator' };
  }
}
