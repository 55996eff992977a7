import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileSink, writableSink } from '../../../../sdk/image/memory/index.js';

const MiB = 1 << 20;

describe('fileSink and writableSink', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byte-sink-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes exactly what it was given for writes around the 1 MiB chunk size', async () => {
    const writes = [MiB - 1, 1, MiB, MiB + 1, 8, 4096, MiB - 4096, 3].map((size) => randomBytes(size));
    const path = join(dir, 'out.bin');
    const sink = await fileSink(path);
    for (const bytes of writes) await sink.write(bytes);
    assert.equal(sink.bytesWritten, writes.reduce((sum, bytes) => sum + bytes.length, 0));
    await sink.close();
    assert.deepEqual(await readFile(path), Buffer.concat(writes));
  });

  it('appends after what a file already holds (a libvirt header, say)', async () => {
    const path = join(dir, 'append.bin');
    await writeFile(path, 'header');
    const sink = await fileSink(path, { append: true });
    await sink.write(Buffer.from('-stream'));
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), 'header-stream');
  });

  it('waits for a slow stream to drain instead of buffering without bound', async () => {
    const received: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: MiB,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        void sleep(5).then(() => done());
      },
    });
    const sink = writableSink(slow);
    const data = randomBytes(5 * MiB + 123);
    let mostQueued = 0;
    for (let at = 0; at < data.length; at += 4104) {
      await sink.write(data.subarray(at, at + 4104));
      mostQueued = Math.max(mostQueued, slow.writableLength);
    }
    await sink.close();
    assert.deepEqual(Buffer.concat(received), data);
    assert.ok(mostQueued <= MiB, `${mostQueued} bytes queued in the stream`);
  });
});
