// Turns output chunks into whole lines per stream, so events carry lines, not fragments.

export type LineHandler = (stream: 'stdout' | 'stderr', line: string) => void;

export class LineSplitter {
  readonly #pending = { stdout: '', stderr: '' };

  constructor(private readonly onLine: LineHandler) {}

  push(stream: 'stdout' | 'stderr', chunk: string): void {
    const lines = (this.#pending[stream] + chunk).split('\n');
    this.#pending[stream] = lines.pop() ?? '';
    for (const line of lines) this.onLine(stream, line.replace(/\r$/, ''));
  }

  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#pending[stream]) this.onLine(stream, this.#pending[stream]);
      this.#pending[stream] = '';
    }
  }
}
