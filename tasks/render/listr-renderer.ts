// On a terminal: listr2 with one line per host showing its latest command or output, or the
// phase and bytes of its long work, then the summary. Hosts are listr2 tasks that settle when the runner reports them.
import { Listr } from 'listr2';
import type { HostResult, RunEvent } from '../run/events.js';
import { stepLines, summaryLines, valueLine } from './format.js';
import { ByteRates, bytesLine, progressLine } from './progress-lines.js';
import type { Renderer, Write } from './renderer.js';

/** The part of listr2's task wrapper this renderer uses. */
interface HostTask {
  output: string | undefined;
  title: string | undefined;
  skip(message: string): void;
}

interface HostLine {
  task?: HostTask;
  settle?: (result: HostResult) => void;
  pending?: HostResult;
}

export function listrRenderer(write: Write): Renderer {
  const hosts = new Map<string, HostLine>();
  const rates = new ByteRates();
  let running: Promise<unknown> = Promise.resolve();
  let summary: string[] = [];

  const start = (names: readonly string[]): void => {
    const list = new Listr(
      names.map((name) => ({
        title: name,
        task: (_ctx, task) =>
          new Promise<void>((resolve, reject) => {
            const line = hosts.get(name)!;
            line.task = task;
            line.settle = (result) => {
              if (result.status === 'ok') {
                if (result.value !== undefined) task.title = `${name}: ${valueLine(result.value, 120)}`;
                resolve();
              } else if (result.status === 'skipped') {
                task.skip(`${name}: skipped`);
                resolve();
              } else {
                reject(new Error(result.error?.message ?? result.status));
              }
            };
            if (line.pending) line.settle(line.pending);
          }),
      })),
      { concurrent: true, exitOnError: false, renderer: 'default', rendererOptions: { collapseErrors: false } },
    );
    for (const name of names) hosts.set(name, {});
    running = list.run().catch(() => undefined);
  };

  const emit = (event: RunEvent): void => {
    if (event.type === 'run-start') return start(event.hosts);
    if (event.type === 'run-end') {
      summary = summaryLines(event.summary);
      return;
    }
    if (event.type === 'host-end') {
      const line = hosts.get(event.result.host);
      if (line?.settle) line.settle(event.result);
      else if (line) line.pending = event.result;
      return;
    }
    const task = 'host' in event ? hosts.get(event.host)?.task : undefined;
    if (!task) return;
    if (event.type === 'command') task.output = `${event.local ? 'local $' : event.sudo ? 'sudo' : '$'} ${event.command}`;
    else if (event.type === 'output' || event.type === 'log') task.output = 'line' in event ? event.line : event.message;
    else if (event.type === 'step') task.output = stepLines(event)[0];
    else if (event.type === 'connect-retry') task.output = `retry ${event.attempt}: ${event.reason}`;
    else if (event.type === 'progress') {
      const { progress } = event;
      const line = progress.kind === 'bytes' ? bytesLine(progress, rates.rate(event.host, progress, Date.now())) : progressLine(progress);
      if (line !== undefined) task.output = line;
    }
  };

  return {
    emit,
    async close() {
      await running;
      for (const line of summary) write(line);
    },
  };
}
