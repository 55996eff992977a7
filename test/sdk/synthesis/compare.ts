/** Test helpers: compare a synthesized VM with the customized one it should equal. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ZERO_CHUNK_DIGEST } from '../../../sdk/image/disk/chunk.js';
import { openMemorySnapshot, PageIndex } from '../../../sdk/image/memory/index.js';

const ZERO_DIGEST = ZERO_CHUNK_DIGEST.toString('hex');

/** SHA-256 of a file, streaming. */
export async function fileDigest(path: string): Promise<string> {
  const sha = createHash('sha256');
  const file = await open(path, 'r');
  for await (const piece of file.createReadStream()) sha.update(piece as Buffer);
  return sha.digest('hex');
}

/**
 * Asserts the synthesized disk `actual` (a raw image, or a qcow2 layer read through its backing
 * file) reads as `image` (any format qemu-img reads): a layer is compared by `qemu-img compare`
 * after `qemu-img check` finds it clean, a raw image byte for byte.
 */
export async function assertSameDisk(actual: string, image: string, format: 'raw' | 'qcow2', scratch: string): Promise<void> {
  if (await isQcow2(actual)) {
    await execa('qemu-img', ['check', '-q', '-f', 'qcow2', actual]);
    const compared = await execa('qemu-img', ['compare', '-f', 'qcow2', '-F', format, actual, image], { reject: false });
    assert.equal(compared.exitCode, 0, `${actual} differs from ${image}: ${compared.stdout} ${compared.stderr}`);
    return;
  }
  const converted = join(scratch, 'expected.raw');
  await execa('qemu-img', ['convert', '-f', format, '-O', 'raw', image, converted]);
  try {
    assert.equal(await fileDigest(actual), await fileDigest(converted), `${actual} differs from ${image}`);
  } finally {
    await rm(converted, { force: true });
  }
}

async function isQcow2(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer } = await file.read(Buffer.alloc(4), 0, 4, 0);
    return buffer.equals(Buffer.from('QFI\xfb', 'latin1'));
  } finally {
    await file.close();
  }
}

/** Asserts both memory snapshots hold the same content in every page (absent = zero) and the same device state. */
export async function assertSamePages(actual: string, expected: string): Promise<void> {
  const read = async (path: string) => {
    const snapshot = await openMemorySnapshot(path);
    const index = await PageIndex.fromStream(snapshot.stream);
    const state = await snapshot.stream.deviceState();
    const digests = new Map<string, string>();
    for (const entry of index.entries()) digests.set(`${entry.block}+${entry.offset}`, entry.digest.toString('hex'));
    return { blocks: snapshot.stream.header.blocks, digests, state: Buffer.from(state.bytes) };
  };
  const [a, b] = [await read(actual), await read(expected)];
  assert.deepEqual(a.blocks, b.blocks);
  let pages = 0;
  for (const block of b.blocks) {
    for (let offset = 0; offset < block.length; offset += 4096, pages++) {
      const key = `${block.id}+${offset}`;
      if ((a.digests.get(key) ?? ZERO_DIGEST) !== (b.digests.get(key) ?? ZERO_DIGEST)) assert.fail(`page ${key} differs`);
    }
  }
  assert.ok(a.state.equals(b.state), 'device state differs');
}

/** Asserts `dir` holds exactly `names` (nothing temporary left). */
export async function assertDirHolds(dir: string, names: string[]): Promise<void> {
  assert.deepEqual((await readdir(dir)).sort(), [...names].sort());
}
