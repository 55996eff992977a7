/** Deduplication of 4 KiB chunks: zero, then base memory, base disk, and earlier items of the overlay. */
export { BaseDigestTable, type DigestSource } from './base-digest-table.js';
export { SelfDigestTable } from './self-digest-table.js';
export { Deduplicator, type DedupBase, type DedupMatch } from './deduplicator.js';
export * from './errors.js';
