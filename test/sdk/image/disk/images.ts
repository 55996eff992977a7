import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHUNK_SIZE } from '../../../../sdk/image/disk/chunk.js';
import { diskChanges, type DiskChangesSource } from '../../../../sdk/image/disk/chunk-reader.js';

const exec = promisify(execFile);

/** A scratch directory for real images made with qemu-img and qemu-io; remove() deletes it all. */
export async function scratch(prefix: string): Promise<{ dir: string; path: (name: string) => string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function run(command: string, ...args: string[]): Promise<string> {
  return (await exec(command, args, { maxBuffer: 64 << 20 })).stdout;
}

/** Runs qemu-io commands (`write -P 0xab 0 4096`, `write -z …`, `discard …`) on an image. */
export async function qemuIo(image: string, format: 'raw' | 'qcow2', ...commands: string[]): Promise<void> {
  await run('qemu-io', '-f', format, ...commands.flatMap((c) => ['-c', c]), image);
}

/** A raw base of `size` bytes, sparse, with the given qemu-io commands applied. */
export async function rawImage(path: string, size: number, ...commands: string[]): Promise<string> {
  await run('truncate', '-s', String(size), path);
  if (commands.length > 0) await qemuIo(path, 'raw', ...commands);
  return path;
}

export async function qcow2Overlay(path: string, base: string, options: string[] = [], ...commands: string[]): Promise<string> {
  await run('qemu-img', 'create', '-q', '-f', 'qcow2', ...options, '-b', base, '-F', 'raw', path);
  if (commands.length > 0) await qemuIo(path, 'qcow2', ...commands);
  return path;
}

export async function collect(source: DiskChangesSource): Promise<{ modified: Map<number, Buffer>; zeroed: number[]; order: number[] }> {
  const modified = new Map<number, Buffer>();
  const zeroed: number[] = [];
  const order: number[] = [];
  for await (const change of diskChanges(source)) {
    if (change.kind === 'modified') {
      modified.set(change.index, change.data);
      order.push(change.index);
    } else {
      for (let i = 0; i < change.count; i++) zeroed.push(change.first + i);
      order.push(change.first);
    }
  }
  return { modified, zeroed, order };
}

/**
 * Checks changes against qemu's own reading of the customized image: a modified chunk holds exactly
 * the image's bytes and differs from the base; a zeroed chunk reads as zeros; every other chunk
 * equals the base. Returns the first violation, or undefined.
 */
export async function checkAgainstQemu(source: DiskChangesSource, changes: Awaited<ReturnType<typeof collect>>, scratchPath: string): Promise<string | undefined> {
  await run('qemu-img', 'convert', '-f', source.format, '-O', 'raw', source.image, scratchPath);
  const [truth, base] = await Promise.all([readFile(scratchPath), readFile(source.base)]);
  const zeroed = new Set(changes.zeroed);
  for (let index = 0; index * CHUNK_SIZE < truth.length; index++) {
    const chunk = truth.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE);
    const baseChunk = base.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE);
    const data = changes.modified.get(index);
    if (data !== undefined && (!data.equals(chunk) || data.equals(baseChunk))) return `chunk ${index}: modified data is wrong or unchanged`;
    if (zeroed.has(index) && chunk.some((b) => b !== 0)) return `chunk ${index}: zeroed but reads non-zero`;
    if (data === undefined && !zeroed.has(index) && !chunk.equals(baseChunk)) return `chunk ${index}: changed but not reported`;
  }
  return undefined;
}

export const isAscending = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);
