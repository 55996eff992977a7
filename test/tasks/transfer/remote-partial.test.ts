// A full disk on a real host (a small tmpfs mounted inside it): refused before sending when the
// free space is too small, and a disk that fills up mid-way keeps the partial upload, which the
// next upload resumes once space is freed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UploadNoSpaceError } from '../../../tasks/transfer/errors.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { labContext } from '../../fixtures/lab-context.js';

const MB = 1_000_000;

describe('uploads to a full disk on a real host', () => {
  let lab: Lab;
  let local: string;
  before(async () => {
    lab = await startLab([{ name: 'a' }]);
    local = mkdtempSync(join(tmpdir(), 'upload-space-test-'));
  });
  after(() => lab?.stop());

  /** A tmpfs of `size` at `dir` inside the host, owned by the login user. */
  const smallDisk = async (dir: string, size: string): Promise<void> => {
    const mounted = await lab.host('a').exec(['sh', '-c', `mkdir -p ${dir} && mount -t tmpfs -o size=${size},mode=0700,uid=$(id -u ops),gid=$(id -g ops) tmpfs ${dir}`]);
    assert.equal(mounted.exitCode, 0, mounted.stderr);
  };
  const sizeOf = async (path: string): Promise<string> => (await lab.host('a').exec(['sh', '-c', `stat -c %s ${path} 2>/dev/null || echo none`])).stdout.trim();

  it('refuses an upload larger than the free space before sending anything', async () => {
    await smallDisk('/home/ops/tiny', '2m');
    const path = join(local, 'big.bin');
    writeFileSync(path, randomBytes(3 * MB));
    const { ctx, connection } = await labContext(lab, 'a');
    try {
      await assert.rejects(ctx.upload(path, '/home/ops/tiny/big.bin'), (error: unknown) => {
        assert.ok(error instanceof UploadNoSpaceError);
        assert.deepEqual([error.host, error.path, error.neededBytes, error.partialBytes, error.code], ['a', '/home/ops/tiny/big.bin', 3 * MB, 0, 'upload-no-space']);
        assert.ok(error.availableBytes <= 2 << 20);
        assert.match(error.message, /3\.0 MB more are needed.*Nothing was sent: free space and run again/);
        return true;
      });
      assert.equal(await sizeOf('/home/ops/tiny/big.bin.part'), 'none');
    } finally {
      await connection.close();
    }
  });

  it('keeps the partial upload when the disk fills up mid-way, and resumes it once there is space', async () => {
    await smallDisk('/home/ops/small', '3m');
    const bytes = randomBytes(2.5 * MB);
    const path = join(local, 'grows.bin');
    writeFileSync(path, bytes);
    const remote = '/home/ops/small/grows.bin';
    let filling: Promise<unknown> | undefined;
    const { ctx, connection } = await labContext(lab, 'a', (event) => {
      if (event.type === 'progress' && event.progress.kind === 'bytes' && event.progress.done >= MB / 2) {
        filling ??= lab.host('a').exec(['sh', '-c', 'dd if=/dev/zero of=/home/ops/small/filler bs=64k 2>/dev/null; true']);
      }
    });
    try {
      let partial = 0;
      await assert.rejects(ctx.upload(path, remote, { bytesPerSecond: MB }), (error: unknown) => {
        assert.ok(error instanceof UploadNoSpaceError, String(error));
        assert.ok(error.partialBytes > 0 && error.partialBytes < bytes.length, `partial of ${error.partialBytes} bytes`);
        assert.equal(error.neededBytes, bytes.length - error.partialBytes);
        assert.match(error.message, /is kept: free space and run again to resume it/);
        partial = error.partialBytes;
        return true;
      });
      await filling;
      assert.equal(await sizeOf(`${remote}.part`), String(partial));
      await lab.host('a').exec(['rm', '/home/ops/small/filler']);
      const resumed = await ctx.upload(path, remote);
      assert.deepEqual([resumed.resumedFrom, resumed.sentBytes], [partial, bytes.length - partial]);
      const copy = await lab.host('a').exec(['sha256sum', remote]);
      assert.equal(copy.stdout.split(' ')[0], resumed.sha256);
    } finally {
      await connection.close();
    }
  });
});
