// Finds a known prompt in a stream of output chunks, even when a chunk boundary cuts
// it in two, and removes it from the text the user sees.

export class PromptWatcher {
  #pending = '';
  /** How many prompts were seen so far. */
  total = 0;

  constructor(private readonly prompt: string) {}

  /** Returns the chunk without prompts (a possible prompt start is held back) and how many prompts it held. */
  feed(chunk: string): { text: string; seen: number } {
    let data = this.#pending + chunk;
    let seen = 0;
    for (let at = data.indexOf(this.prompt); at !== -1; at = data.indexOf(this.prompt)) {
      data = data.slice(0, at) + data.slice(at + this.prompt.length);
      seen += 1;
    }
    this.total += seen;
    const keep = this.partialSuffix(data);
    this.#pending = data.slice(data.length - keep);
    return { text: data.slice(0, data.length - keep), seen };
  }

  /** Returns text held back because it looked like the start of a prompt. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest;
  }

  private partialSuffix(data: string): number {
    for (let length = Math.min(this.prompt.length - 1, data.length); length > 0; length -= 1) {
      if (this.prompt.startsWith(data.slice(data.length - length))) return length;
    }
    return 0;
  }
}
