// Runs one task on many hosts: a bounded pool (--parallel), one lazily opened connection
// per host, connection retries with back-off, continue-on-error or --fail-fast, and a
// per-host result map. It never prints; everything goes out as events.
import { setMaxListeners } from 'node:events';
import { Masker } from '../command/masker.js';
import type { Connection } from '../connection/connection.js';
import { connectSsh, defaultSshSettings } from '../connection/ssh-connection.js';
import { ConnectionError } from '../errors.js';
import type { HostTarget } from '../inventory/host-target.js';
import type { OptionSpecs, OptionValues, Task } from '../task/define-task.js';
import { hostOptions } from '../task/host-options.js';
import { HostContext, type ContextSettings } from '../task/task-context.js';
import { errorInfo } from './error-info.js';
import type { EventSink, HostResult, RunSummary } from './events.js';
import { batchFailed, inBatches, type BatchStop } from './batches.js';
import { withRetries, type RetryPolicy } from './retry.js';

/**
 * What {@link runTask} runs where, and how. Only `task` and `hosts` are required; the rest
 * default as the `cloudlet-tasks` command's options do.
 */
export interface RunSettings {
  readonly task: Task;
  readonly hosts: readonly HostTarget[];
  /** The task's options; per host, inventory variables and defaults fill the rest. Default: none. */
  readonly options?: OptionValues<OptionSpecs>;
  /** Words after `--`, for tasks that accept them. Default: none. */
  readonly args?: readonly string[];
  /** Hosts worked on at once. Default: 10. */
  readonly parallel?: number;
  /** Skip the hosts not started yet once one fails. Default: false. */
  readonly failFast?: boolean;
  /** Rolling batches: hosts per batch, each batch finished before the next starts. Default: all hosts in one batch. */
  readonly serial?: number;
  /**
   * With `serial`: when more than this percentage of a batch's hosts fail (or are unreachable),
   * the later batches are skipped and the summary's `stopped` says why. Default: never stop.
   */
  readonly maxFailPercentage?: number;
  /** Connection retries for unreachable hosts. Default: 2 retries, 1 s doubling to at most 30 s. */
  readonly retry?: RetryPolicy;
  /** Passed to the task as `ctx.dryRun`: plan, do not change. Default: false. */
  readonly dryRun?: boolean;
  readonly commandTimeoutMs?: number;
  /** The password sudo asks for (the same on every host); masked everywhere. */
  readonly sudoPassword?: string;
  /**
   * Opens a host's connection. Default: {@link connectSsh} with the operator's known_hosts,
   * ssh-agent and key files, new host keys refused, 10 s to connect.
   */
  readonly connect?: (host: HostTarget) => Promise<Connection>;
  /** Hides secrets in events and results. Default: a new Masker that knows `sudoPassword`. */
  readonly masker?: Masker;
  /** Receives every event of the run (the CLI renders them), secrets masked. Default: events are dropped. */
  readonly emit?: EventSink;
  /**
   * Aborting it stops the run: hosts not started are skipped; commands in flight get TERM and
   * are waited for (their grace, see RunOptions.graceMs) and throw CommandInterruptedError, then
   * the host's connection is closed. A body that goes on regardless is cut off once the commands'
   * grace and a margin have passed.
   */
  readonly signal?: AbortSignal;
}

/** RunSettings with every default filled in. */
type Optional = 'commandTimeoutMs' | 'sudoPassword' | 'signal' | 'serial' | 'maxFailPercentage';
type ResolvedSettings = Required<Omit<RunSettings, Optional>> & Pick<RunSettings, Optional>;

const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 1000, maxDelayMs: 30_000 };

function withDefaults(settings: RunSettings): ResolvedSettings {
  const masker = settings.masker ?? new Masker();
  const given = settings.emit;
  if (!settings.masker && settings.sudoPassword !== undefined) masker.add(settings.sudoPassword);
  return {
    ...settings,
    options: settings.options ?? {},
    args: settings.args ?? [],
    parallel: settings.parallel ?? 10,
    failFast: settings.failFast ?? false,
    retry: settings.retry ?? DEFAULT_RETRY,
    dryRun: settings.dryRun ?? false,
    connect: settings.connect ?? ((host) => connectSsh(host, defaultSshSettings())),
    masker,
    // Every event leaves through the masker, whatever carries the secret (a log line, a step, an error).
    emit: given ? (event) => given(masker.maskDeep(event)) : () => undefined,
  };
}

/**
 * Runs the task on every host and resolves with the summary: one result per host, in the
 * order given. It does not throw for host failures; they are in the results.
 *
 * @example
 * ```ts
 * const summary = await runTask({ task: deployConfig, hosts: [hostTarget('ops@web1')], options: { file: 'my.conf' } });
 * for (const result of summary.results) console.log(result.host, result.status, result.error?.message ?? '');
 * ```
 */
export async function runTask(given: RunSettings): Promise<RunSummary> {
  const settings = withDefaults(given);
  const started = Date.now();
  const { emit, masker } = settings;
  // Every command in flight on every host follows the run's signal (a step's facts are read at
  // once): dozens of listeners are the design, not a leak for Node to warn about.
  if (settings.signal) setMaxListeners(0, settings.signal);
  const results = new Map<string, HostResult>();
  const queue: HostTarget[] = [];
  // Hosts at once: --parallel, within a --serial batch.
  const atOnce = Math.min(settings.parallel, settings.serial ?? settings.parallel);
  const run = { hosts: settings.hosts.map((h) => h.name), parallel: atOnce, ...(settings.signal ? { signal: settings.signal } : {}), shared: new Map<string, unknown>() };
  let stopping = false;
  let stopped: BatchStop | undefined;
  emit({ type: 'run-start', task: settings.task.name, hosts: settings.hosts.map((h) => h.name), dryRun: settings.dryRun, parallel: settings.parallel });

  const finish = (result: HostResult): void => {
    const masked = masker.maskDeep(result);
    results.set(result.host, masked);
    emit({ type: 'host-end', result: masked });
    if (result.status !== 'ok' && settings.failFast) stopping = true;
  };

  const worker = async (): Promise<void> => {
    for (let host = queue.shift(); host; host = queue.shift()) {
      if (stopping || settings.signal?.aborted) {
        finish({ host: host.name, status: 'skipped', durationMs: 0 });
        continue;
      }
      finish(await runOnHost(host, settings, run));
    }
  };
  const batches = inBatches(settings.hosts, settings.serial ?? Math.max(1, settings.hosts.length));
  for (const [index, batch] of batches.entries()) {
    if (stopped) {
      for (const host of batch) finish({ host: host.name, status: 'skipped', durationMs: 0 });
      continue;
    }
    if (batches.length > 1) emit({ type: 'batch-start', batch: index + 1, batches: batches.length, hosts: batch.map((h) => h.name) });
    queue.push(...batch);
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.parallel, batch.length)) }, worker));
    const failed = batch.filter((host) => ['failed', 'unreachable'].includes(results.get(host.name)!.status)).length;
    if (index < batches.length - 1 && batchFailed(failed, batch.length, settings.maxFailPercentage)) {
      stopped = { afterBatch: index + 1, batches: batches.length, failed, hosts: batch.length, maxFailPercentage: settings.maxFailPercentage! };
    }
  }

  const ordered = settings.hosts.map((host) => results.get(host.name)!);
  const count = (status: HostResult['status']): number => ordered.filter((r) => r.status === status).length;
  const summary: RunSummary = {
    task: settings.task.name,
    results: ordered,
    ok: count('ok'),
    failed: count('failed'),
    unreachable: count('unreachable'),
    skipped: count('skipped'),
    durationMs: Date.now() - started,
    ...(stopped ? { stopped } : {}),
  };
  emit({ type: 'run-end', summary });
  return summary;
}

async function runOnHost(host: HostTarget, settings: ResolvedSettings, run: NonNullable<ContextSettings['run']>): Promise<HostResult> {
  const started = Date.now();
  const { emit } = settings;
  emit({ type: 'host-start', host: host.name });
  let options: OptionValues<OptionSpecs>;
  try {
    options = hostOptions(settings.task.options, settings.options, host.vars, host.name);
  } catch (error) {
    return { host: host.name, status: 'failed', durationMs: Date.now() - started, error: errorInfo(error) };
  }
  let connection: Connection;
  try {
    connection = await withRetries(
      settings.retry,
      () => settings.connect(host),
      (attempt, delayMs, error) => emit({ type: 'connect-retry', host: host.name, attempt, delayMs, reason: error.message }),
      settings.signal,
    );
  } catch (error) {
    const status = error instanceof ConnectionError ? 'unreachable' : 'failed';
    return { host: host.name, status, durationMs: Date.now() - started, error: errorInfo(error) };
  }
  emit({ type: 'connected', host: host.name, durationMs: Date.now() - started });
  // Interrupted while connecting: the body must not start (its commands would count as cleanup).
  if (settings.signal?.aborted) {
    await connection.close();
    return { host: host.name, status: 'skipped', durationMs: Date.now() - started };
  }
  const context = new HostContext(connection, options, settings.args, {
    dryRun: settings.dryRun,
    index: settings.hosts.indexOf(host),
    ...(settings.signal ? { signal: settings.signal } : {}),
    masker: settings.masker,
    emit,
    run,
    ...(settings.commandTimeoutMs !== undefined ? { commandTimeoutMs: settings.commandTimeoutMs } : {}),
    ...(settings.sudoPassword !== undefined ? { sudoPassword: settings.sudoPassword } : {}),
  });
  // The context stops the commands in flight and waits for their cleanup; closing the connection
  // is the backstop for a body that does not end then.
  let backstop: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    backstop = setTimeout(() => {
      void connection.close();
      void context.close();
    }, context.abortWindowMs());
  };
  settings.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const value = await settings.task.body(context);
    return { host: host.name, status: 'ok', durationMs: Date.now() - started, ...(value === undefined ? {} : { value }) };
  } catch (error) {
    const status = error instanceof ConnectionError ? 'unreachable' : 'failed';
    return { host: host.name, status, durationMs: Date.now() - started, error: errorInfo(error) };
  } finally {
    settings.signal?.removeEventListener('abort', onAbort);
    clearTimeout(backstop);
    await context.close();
    await connection.close();
  }
}
