// The SHA-256 of an operator-side file, computed once per run however many hosts receive it
// (every host's upload needs it, and hashing a base archive takes seconds).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

const digests = new Map<string, Promise<string>>();

/** Hex SHA-256 of `path`; recomputed when the file's size or modification time changed. */
export async function fileSha256(path: string): Promise<string> {
  const info = await stat(path);
  const key = `${path}\0${info.size}\0${info.mtimeMs}`;
  let digest = digests.get(key);
  if (!digest) {
    const hash = createHash('sha256');
    digest = pipeline(createReadStream(path), hash).then(() => hash.digest('hex'));
    digests.set(key, digest);
    digest.catch(() => digests.delete(key));
  }
  return digest;
}
