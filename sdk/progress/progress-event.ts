/**
 * The SDK's one progress event, `Progress` (named apart from the DOM's global ProgressEvent).
 * Every long SDK function (createBase, importBase, exportBase, launchBase, synthesizeVm,
 * createVmOverlay, createOverlay, synthesize) takes `onProgress` and reports through it; the SDK
 * never prints. The `cloudlet` CLI renders the events: plain lines for people, and with `--json`
 * one event per line, the same objects with `v` added, then a `result` (or an `error`) line. The runner reads those lines back from hosts, so this table is a format:
 * change a field's meaning only with a new version, and readers reject an unknown `v` first.
 *
 * Version 1 (`v: 1` on every `--json` line):
 * | kind          | fields                                    | meaning                                                        |
 * |---------------|-------------------------------------------|----------------------------------------------------------------|
 * | phase-start   | phase, within?                            | a phase begins; `within` names the phase of the caller it runs in |
 * | phase-end     | phase, within?, elapsedMs, detail         | it ended well after elapsedMs ms (a failed phase has no end: the error follows) |
 * | bytes         | phase, within?, done, total?              | bytes of a long phase so far; total when known                 |
 * | blob          | name, items, size, uncompressedSize       | an overlay blob was written (createOverlay) or applied (synthesize); sizes in bytes |
 * | warning       | message                                   | something a person should know that did not fail the operation |
 * | acceleration  | domainType ('kvm'/'qemu'), detail         | said once per VM start: KVM or TCG, and why                     |
 * | console       | domain, serialLog, socket?                | the VM runs: where its console output goes; the socket takes input |
 * | script-output | stream ('stdout'/'stderr'), line          | a line the customization script wrote in the guest             |
 * | cleaned       | domain?, path                             | after a failure or interrupt: the domain and directory removed |
 * | result        | (per command)                             | CLI only, the last line: the operation's outcome               |
 * | error         | error: {name, code, message, category, …} | CLI only, the last line of a failed command                    |
 */
import type { DomainType } from '../vm/index.js';

/** The version of the `--json` lines; bump it when a field changes meaning. */
export const PROGRESS_EVENT_VERSION = 1;

/** The phases long SDK calls report, each started and ended by a Progress event. */
export type Phase =
  /** base: create, import, export */
  | 'check' | 'copy' | 'boot' | 'ready' | 'save' | 'hash-disk' | 'hash-memory' | 'register' | 'extract' | 'verify' | 'archive'
  /** launch: cloudlet launch, synthesis, overlay */
  | 'restore' | 'forward' | 'download' | 'synthesize' | 'wrap' | 'layer' | 'script' | 'customize' | 'trim' | 'overlay'
  /** createOverlay */
  | 'base-id' | 'base-disk-hashes' | 'base-memory' | 'customized-memory' | 'encode' | 'finish'
  /** synthesize (also base-id, base-memory, finish) */
  | 'open' | 'apply' | 'write-memory'
  /** synthesizeVmFromStream: bytes of the overlay as they arrive */
  | 'receive'
  /** earlyStartVm: from the VM's resume until its overlay is complete (the detail counts the on-demand fetches) */
  | 'early-disk'
  /** the runner's resumable uploads to a host (ctx.upload, tasks/transfer) */
  | 'upload';

/** The one progress event of the SDK (its table of kinds is at the top of sdk/progress/progress-event.ts). */
export type Progress =
  | { kind: 'phase-start'; phase: Phase; within?: Phase }
  | { kind: 'phase-end'; phase: Phase; within?: Phase; elapsedMs: number; detail: string }
  | { kind: 'bytes'; phase: Phase; within?: Phase; done: number; total?: number }
  | { kind: 'blob'; name: string; items: number; size: number; uncompressedSize: number }
  | { kind: 'warning'; message: string }
  | { kind: 'acceleration'; domainType: DomainType; detail: string }
  | { kind: 'console'; domain: string; serialLog: string; socket?: string }
  | { kind: 'script-output'; stream: 'stdout' | 'stderr'; line: string }
  | { kind: 'cleaned'; domain: string | undefined; path: string };

/** The callback a long SDK call takes as `onProgress`; it gets every {@link Progress} event. */
export type ProgressListener = (event: Progress) => void;

/**
 * A listener for a callee's events: its phases are marked as running within the caller's `phase`.
 *
 * @example await createOverlay({ …, options: { onProgress: within(emit, 'overlay') } });
 */
export function within(emit: ProgressListener, phase: Phase): ProgressListener {
  return (event) => emit(event.kind === 'phase-start' || event.kind === 'phase-end' || event.kind === 'bytes' ? { within: phase, ...event } : event);
}
