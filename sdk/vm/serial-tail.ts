/**
 * Follows a serial console log file (libvirt appends to it) from a starting offset, returning only
 * the lines completed since the last read, so a long-lived VM's log is never re-read from the top.
 */
import { open } from 'node:fs/promises';

const KEEP_RECENT = 5;
const READ_LIMIT = 1 << 20;

export class SerialTail {
  #offset: number;
  #partial = '';
  readonly #recent: string[] = [];

  /** @example const tail = new SerialTail('/vm/serial.log', (await stat('/vm/serial.log')).size); */
  constructor(readonly path: string, offset = 0) {
    this.#offset = offset;
  }

  /** The last few complete lines seen, for error messages. */
  get recent(): readonly string[] {
    return this.#recent;
  }

  /** Complete lines written since the previous call, without the CR the guest console adds. A missing file has none yet. */
  async read(): Promise<string[]> {
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (!handle) return [];
    try {
      const lines: string[] = [];
      for (;;) {
        const buffer = Buffer.alloc(READ_LIMIT);
        const { bytesRead } = await handle.read(buffer, 0, READ_LIMIT, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        // latin1 maps bytes 1:1, so a UTF-8 character split between two reads is not mangled into U+FFFD.
        const parts = (this.#partial + buffer.toString('latin1', 0, bytesRead)).split('\n');
        this.#partial = parts.pop()!;
        for (const part of parts) lines.push(part.replace(/\r$/, ''));
      }
      this.#recent.push(...lines.filter((line) => line.trim() !== '').slice(-KEEP_RECENT));
      this.#recent.splice(0, Math.max(0, this.#recent.length - KEEP_RECENT));
      return lines;
    } finally {
      await handle.close();
    }
  }
}
