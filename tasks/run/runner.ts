// Runs one task on many hosts: a bounded pool (--parallel), one lazily opened connection
// per host, connection retries with back-off, continue-on-error or --fail-fast, and a
// per-host result map. It never prints; everything goes out as events.
import type { Masker } from '../command/masker.js';
import type { Connection } from '../connection/connection.js';
import { ConnectionError } from '../errors.js';
import type { HostTarget } from '../hosts/host-target.js';
import type { OptionSpecs, OptionValues, Task } from '../task/define-task.js';
import { hostOptions } from '../task/host-options.js';
import { HostContext } from '../task/task-context.js';
import { errorInfo } from './error-info.js';
import type { EventSink, HostResult, RunSummary } from './events.js';
import { withRetries, type RetryPolicy } from './retry.js';

export interface RunSettings {
  readonly task: Task;
  /** Options given on the command line; per host, inventory variables and defaults fill the rest. */
  readonly options: OptionValues<OptionSpecs>;
  readonly args: readonly string[];
  readonly hosts: readonly HostTarget[];
  readonly parallel: number;
  readonly failFast: boolean;
  readonly retry: RetryPolicy;
  readonly dryRun: boolean;
  readonly commandTimeoutMs?: number;
  readonly sudoPassword?: string;
  readonly connect: (host: HostTarget) => Promise<Connection>;
  readonly masker: Masker;
  readonly emit: EventSink;
  readonly signal?: AbortSignal;
}

/** Runs the task on every host and resolves with the summary (it does not throw for host failures). */
export async function runTask(settings: RunSettings): Promise<RunSummary> {
  const started = Date.now();
  const { emit, masker } = settings;
  const results = new Map<string, HostResult>();
  const queue = [...settings.hosts];
  let stopping = false;
  emit({ type: 'run-start', task: settings.task.name, hosts: queue.map((h) => h.name), dryRun: settings.dryRun, parallel: settings.parallel });

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
      finish(await runOnHost(host, settings));
    }
  };
  const workers = Math.max(1, Math.min(settings.parallel, settings.hosts.length));
  await Promise.all(Array.from({ length: workers }, worker));

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
  };
  emit({ type: 'run-end', summary });
  return summary;
}

async function runOnHost(host: HostTarget, settings: RunSettings): Promise<HostResult> {
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
  const context = new HostContext(connection, options, settings.args, {
    dryRun: settings.dryRun,
    masker: settings.masker,
    emit,
    ...(settings.commandTimeoutMs !== undefined ? { commandTimeoutMs: settings.commandTimeoutMs } : {}),
    ...(settings.sudoPassword !== undefined ? { sudoPassword: settings.sudoPassword } : {}),
  });
  // An interrupt closes the connection, which ends the commands in flight on this host, and
  // stops the task's operator-side (ctx.local) commands.
  const onAbort = (): void => {
    void connection.close();
    void context.close();
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
    await context.close();
    await connection.close();
  }
}
