// Plain lines prefixed with the host name: for logs, CI and pipes (no terminal codes). Bytes
// of a long phase are written at most every BYTES_EVERY_MS per host, and always the last count.
import type { RunEvent } from '../run/events.js';
import { resultLine, seconds, stepLines, summaryLines, valueLine } from './format.js';
import { ByteRates, bytesLine, progressLine } from './progress-lines.js';
import type { Renderer, Write } from './renderer.js';

const BYTES_EVERY_MS = 2000;

/** `now` is the clock the bytes lines are spaced and measured by. */
export function plainRenderer(write: Write, now: () => number = Date.now): Renderer {
  const rates = new ByteRates();
  const lastBytes = new Map<string, number>();
  const progress = (event: Extract<RunEvent, { type: 'progress' }>): void => {
    const { host, progress: p } = event;
    if (p.kind !== 'bytes') {
      const line = progressLine(p);
      if (line !== undefined) write(`[${host}] ${line}`);
      return;
    }
    const time = now();
    const rate = rates.rate(host, p, time);
    const last = lastBytes.get(host);
    if (last !== undefined && time - last < BYTES_EVERY_MS && p.done !== p.total) return;
    lastBytes.set(host, time);
    write(`[${host}] ${bytesLine(p, rate)}`);
  };
  const emit = (event: RunEvent): void => {
    switch (event.type) {
      case 'run-start':
        write(`${event.task} on ${event.hosts.length} host(s), ${event.parallel} at a time${event.dryRun ? ', DRY RUN: nothing is changed' : ''}`);
        break;
      case 'batch-start':
        write(`batch ${event.batch} of ${event.batches}: ${event.hosts.join(', ')}`);
        break;
      case 'connect-retry':
        write(`[${event.host}] connection attempt ${event.attempt} failed (${event.reason}); retrying in ${seconds(event.delayMs)}`);
        break;
      case 'connected':
        write(`[${event.host}] connected in ${seconds(event.durationMs)}`);
        break;
      case 'command':
        write(`[${event.host}] ${event.local ? 'local $' : event.sudo ? 'sudo' : '$'} ${event.command}`);
        break;
      case 'output':
        write(`[${event.host}] ${event.stream === 'stderr' ? 'err' : 'out'}: ${event.line}`);
        break;
      case 'log':
        write(`[${event.host}] ${event.message}`);
        break;
      case 'step':
        for (const line of stepLines(event)) write(`[${event.host}] ${line}`);
        break;
      case 'progress':
        progress(event);
        break;
      case 'host-end': {
        const { result } = event;
        write(`[${result.host}] ${resultLine(result)}`);
        if (result.value !== undefined) write(`[${result.host}] => ${valueLine(result.value)}`);
        break;
      }
      case 'run-end':
        for (const line of summaryLines(event.summary)) write(line);
        break;
      case 'host-start':
        break;
    }
  };
  return { emit, close: async () => undefined };
}
