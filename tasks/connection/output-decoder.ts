// Bytes to text, one UTF-8 decoder per stream: a character whose bytes arrive in two chunks
// is held back until its last byte comes, instead of turning into two replacement characters.
import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from './connection.js';

export class OutputDecoder {
  readonly #decoders: Record<OutputStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  /**
   * Returns the text of `chunk` that is complete so far (possibly '').
   *
   * @example decoder.write('stdout', Buffer.from([0xf0, 0x9f])) === ''; decoder.write('stdout', Buffer.from([0x98, 0x80])) === '😀'
   */
  write(stream: OutputStream, chunk: Buffer): string {
    return this.#decoders[stream].write(chunk);
  }

  /** Returns what is left when the stream ends: an unfinished character becomes U+FFFD. */
  end(stream: OutputStream): string {
    return this.#decoders[stream].end();
  }
}

/** A command's text so far, per stream; each piece is also passed on as it comes (live output). */
export class OutputCollector {
  readonly #parts: Record<OutputStream, string[]> = { stdout: [], stderr: [] };
  constructor(private readonly onData?: (stream: OutputStream, text: string) => void) {}

  add(stream: OutputStream, text: string): void {
    if (!text) return;
    this.#parts[stream].push(text);
    this.onData?.(stream, text);
  }

  text(stream: OutputStream): string {
    return this.#parts[stream].join('');
  }
}
