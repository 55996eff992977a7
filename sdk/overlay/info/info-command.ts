import { parseArgs } from 'node:util';
import { formatOverlayInfo } from './format-info.js';
import { overlayInfo } from './overlay-info.js';

/** Where the command writes; structurally a subset of sdk/cli's CliIo, so it registers there as is. */
export interface InfoCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const INFO_OVERLAY_COMMAND = {
  name: 'info-overlay',
  usage: 'info-overlay OVERLAY [--json]',
  summary: 'what an overlay package holds (format, base VM ID, sizes, blobs), after checking it',
} as const;

/**
 * `cloudlet info-overlay OVERLAY [--json]`. Exit codes: 0 shown, 1 the package was refused (the
 * error's class and message on stderr), 2 usage.
 *
 * @example process.exitCode = await runInfoOverlay(['vm.overlay', '--json'], process);
 */
export async function runInfoOverlay(args: readonly string[], io: InfoCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  if (parsed.positionals.length !== 1) return usage(io, 'give exactly one overlay package');
  const path = parsed.positionals[0]!;
  const info = await overlayInfo(path).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  if (info instanceof Error) {
    io.stderr.write(`cloudlet info-overlay: refused ${path}: ${info.name}: ${info.message}\n`);
    return 1;
  }
  io.stdout.write(parsed.values.json ? `${JSON.stringify(info)}\n` : `${formatOverlayInfo(info)}\n`);
  return 0;
}

function usage(io: InfoCommandIo, message: string): number {
  io.stderr.write(`cloudlet info-overlay: ${message}\nusage: cloudlet ${INFO_OVERLAY_COMMAND.usage}\n`);
  return 2;
}
