/** What synthesize reports while it works; the SDK never prints, a CLI renders these. */
export type SynthesisProgress =
  | { type: 'phase'; phase: 'base-id' | 'open' | 'base-memory' | 'apply' | 'write-memory' | 'finish' }
  | { type: 'blob'; name: string; items: number };

export type SynthesisProgressListener = (event: SynthesisProgress) => void;
