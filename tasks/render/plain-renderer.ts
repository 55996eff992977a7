// Plain lines prefixed with the host name: for logs, CI and pipes (no terminal codes).
import type { RunEvent } from '../run/events.js';
import { resultLine, seconds, stepLines, summaryLines, valueLine } from './format.js';
import type { Renderer, Write } from './renderer.js';

export function plainRenderer(write: Write): Renderer {
  const emit = (event: RunEvent): void => {
    switch (event.type) {
      case 'run-start':
        write(`${event.task} on ${event.hosts.length} host(s), ${event.parallel} at a time${event.dryRun ? ', DRY RUN: nothing is changed' : ''}`);
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
