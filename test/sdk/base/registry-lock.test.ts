import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { RegistryLockTimeoutError } from '../../../sdk/base/errors.js';
import { withRegistryLock } from '../../../sdk/base/registry-lock.js';

const MODULE = new URL('../../../sdk/base/registry-lock.js', import.meta.url).href;

/** A node process running `body` with withRegistryLock imported. */
function nodeWith(body: string) {
  return execa('node', ['--input-type=module', '-e', `const { withRegistryLock } = await import(${JSON.stringify(MODULE)});\n${body}`]);
}

describe('withRegistryLock', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-lock-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets exactly one of many waiting processes hold it at a time, while holders are killed holding it', async () => {
    const lock = join(dir, 'registry.flock');
    const log = JSON.stringify(join(dir, 'holders.log'));
    const take = (work: string) => `await withRegistryLock(${JSON.stringify(lock)}, async () => { ${work} }, 60_000);`;
    const rounds = 5;
    // Each round logs its entry and its exit; a dying holder logs "!" and is killed inside, leaving its lock behind.
    const worker = `const { appendFile } = await import('node:fs/promises');
      for (let round = 0; round < ${rounds}; round++) ${take(`
        await appendFile(${log}, '+' + process.pid + '\\n');
        await new Promise((resolve) => setTimeout(resolve, 5));
        await appendFile(${log}, '-' + process.pid + '\\n');`)}`;
    const dying = `const { appendFile } = await import('node:fs/promises');
      ${take(`await appendFile(${log}, '!' + process.pid + '\\n'); process.kill(process.pid, 'SIGKILL');`)}`;
    const workers = 8;
    const deaths = 12;
    const processes = [...Array.from({ length: workers }, () => nodeWith(worker)), ...Array.from({ length: deaths }, () => nodeWith(dying))];
    await Promise.all(processes.map((child) => child.catch((error: { signal?: string }) => assert.equal(error.signal, 'SIGKILL'))));

    const lines = (await readFile(JSON.parse(log) as string, 'utf8')).trim().split('\n');
    assert.equal(lines.filter((line) => line.startsWith('!')).length, deaths, 'every dying holder got the lock');
    assert.equal(lines.filter((line) => line.startsWith('+')).length, workers * rounds, 'every round got the lock');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('+')) continue;
      assert.equal(lines[i + 1], `-${lines[i]!.slice(1)}`, `line ${i + 1}: ${lines[i]} was followed by ${lines[i + 1]}, not by its own exit: two held the lock`);
    }
  });

  it('gives up with RegistryLockTimeoutError naming the holder while it holds the lock', async () => {
    const lock = join(dir, 'held.flock');
    let release = () => undefined as void;
    const holding = withRegistryLock(lock, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(200);
    await assert.rejects(withRegistryLock(lock, async () => 'never', 300), (error: unknown) => {
      assert.ok(error instanceof RegistryLockTimeoutError);
      assert.equal(error.ownerPid, process.pid);
      assert.equal(error.lockFile, lock);
      return true;
    });
    release();
    await holding;
    assert.equal(await withRegistryLock(lock, async () => 'free again', 1_000), 'free again');
  });
});
