/** What createOverlay reports while it works; the SDK never prints, a CLI renders these. */
export type CreateProgress =
  | { type: 'phase'; phase: 'base-id' | 'base-disk-hashes' | 'base-memory' | 'customized-memory' | 'encode' | 'finish' }
  | { type: 'blob'; name: string; items: number; size: number; uncompressedSize: number };

export type CreateProgressListener = (event: CreateProgress) => void;
