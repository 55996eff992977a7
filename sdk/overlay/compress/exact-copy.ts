/**
 * `data` copied into an ArrayBuffer of exactly its length, safe to transfer to a worker: posting a
 * view would clone its whole backing buffer (a 256 MiB file read, a slab of Node's buffer pool),
 * and transferring that buffer would detach every other view of it.
 */
export function exactCopy(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy;
}
