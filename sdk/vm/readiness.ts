/**
 * When a booting or resumed VM counts as ready, without a person closing a VNC window (what the
 * original waited for): a line on the serial console, a forwarded TCP port that a guest service
 * answers, a fixed delay, or a confirmation the caller supplies (the CLI's --interactive Enter).
 * The wait also watches the domain, so a guest that crashes or powers off fails at once instead of
 * at the timeout, and it honours an AbortSignal (Ctrl-C).
 */
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadinessTimeoutError, VmStoppedError } from './errors.js';
import type { SerialTail } from './serial-tail.js';

/** When a booted or resumed VM counts as ready: a pattern on its serial console, an open TCP port, a delay, or a promise the caller settles. */
export type Readiness =
  /** A console line matches `pattern`. */
  | { kind: 'serial'; pattern: RegExp; timeoutMs: number }
  /** A guest service answers on host port `port` (forwarded into the guest): it sends data, or keeps the connection open for a second. */
  | { kind: 'tcp'; port: number; host?: string; timeoutMs: number }
  /** Simply `ms` after the VM started. */
  | { kind: 'delay'; ms: number }
  /** When `confirmed` resolves (a person pressed Enter). */
  | { kind: 'confirmed'; confirmed: Promise<void> };

export interface ReadinessWatch {
  domain: string;
  serial: SerialTail;
  /** The domain's state now; anything but active ends the wait with VmStoppedError. */
  status: () => Promise<{ active: boolean; state: string }>;
  signal?: AbortSignal;
}

export interface ReadyResult {
  elapsedMs: number;
  /** What showed readiness: the matching console line, "tcp 127.0.0.1:2222", … */
  evidence: string;
}

const POLL_MS = 100;
const TCP_PROBE_EVERY_MS = 500;
const TCP_HOLD_MS = 1_000;

/**
 * Waits until `readiness` holds for the VM `watch` describes.
 *
 * @example
 * const tail = new SerialTail(serialLog);
 * await waitUntilReady({ kind: 'serial', pattern: /^GUEST-BOOTED/, timeoutMs: 60_000 }, { domain: vm.name, serial: tail, status: () => vm.status() });
 */
export async function waitUntilReady(readiness: Readiness, watch: ReadinessWatch): Promise<ReadyResult> {
  const started = Date.now();
  const timeoutMs = readiness.kind === 'serial' || readiness.kind === 'tcp' ? readiness.timeoutMs : Number.POSITIVE_INFINITY;
  let confirmed = false;
  // A rejected confirmation is the caller's to handle (it aborts through the signal).
  if (readiness.kind === 'confirmed') readiness.confirmed.then(() => (confirmed = true), () => undefined);
  let nextTcpProbe = 0;
  for (;;) {
    watch.signal?.throwIfAborted();
    const lines = await watch.serial.read();
    if (readiness.kind === 'serial') {
      const line = lines.find((candidate) => readiness.pattern.test(candidate));
      if (line !== undefined) return { elapsedMs: Date.now() - started, evidence: line };
    }
    if (readiness.kind === 'delay' && Date.now() - started >= readiness.ms) return { elapsedMs: Date.now() - started, evidence: `${readiness.ms} ms passed` };
    if (readiness.kind === 'confirmed' && confirmed) return { elapsedMs: Date.now() - started, evidence: 'confirmed' };
    if (readiness.kind === 'tcp' && Date.now() >= nextTcpProbe) {
      const host = readiness.host ?? '127.0.0.1';
      if (await serviceAnswers(host, readiness.port)) return { elapsedMs: Date.now() - started, evidence: `tcp ${host}:${readiness.port}` };
      nextTcpProbe = Date.now() + TCP_PROBE_EVERY_MS;
    }
    const status = await watch.status();
    if (!status.active) throw new VmStoppedError(watch.domain, status.state, describeReadiness(readiness), [...watch.serial.recent]);
    if (Date.now() - started > timeoutMs) throw new ReadinessTimeoutError(describeReadiness(readiness), timeoutMs, [...watch.serial.recent]);
    await sleep(POLL_MS);
  }
}

/** The condition in words, for errors and progress events. */
export function describeReadiness(readiness: Readiness): string {
  switch (readiness.kind) {
    case 'serial':
      return `console line ${readiness.pattern}`;
    case 'tcp':
      return `a service on ${readiness.host ?? '127.0.0.1'}:${readiness.port}`;
    case 'delay':
      return `${readiness.ms} ms`;
    case 'confirmed':
      return 'confirmation';
  }
}

/**
 * True if something serves the port. User-mode networking accepts every connection to a forwarded
 * port and only then closes it if the guest refuses, so "connected" alone proves nothing: a real
 * service either sends first (SSH) or keeps the connection open.
 */
function serviceAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let settled = false;
    const finish = (answer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    // Still open after the hold time with nothing received: the guest holds the connection.
    const timer = setTimeout(() => finish(socket.readyState === 'open'), TCP_HOLD_MS);
    socket.once('data', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}
