import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { MigrationFailedError, QmpCommandError, QmpError, restoreMemory, saveMemory } from '../../../native/qemu/index.js';
import { quoteWord } from '../../../native/shell-quote.js';
import { launchGuest, launchRestoredGuest, type GuestCounter, type GuestVm } from '../../fixtures/guest/index.js';

describe('saveMemory and restoreMemory on a real QEMU guest', () => {
  let dir: string;
  let vm: GuestVm;
  let snapshot: string;
  let saved: GuestCounter;
  const started: GuestVm[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qemu-mig-'));
    // A quote and a space in the name: the exec: URI goes through /bin/sh.
    snapshot = join(dir, "it's a snapshot.mem");
    vm = await launchGuest({ workDir: dir, blobMiB: 4 });
    started.push(vm);
    await vm.waitForSerial(/^COUNTER 2 /);
  });

  after(async () => {
    for (const guest of started) await guest.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a save whose exec: command fails as MigrationFailedError with QEMU\'s reason', async () => {
    await assert.rejects(saveMemory(vm.qmp, join(dir, 'no-such-dir', 'x.mem')), (error: unknown) => {
      assert.ok(error instanceof MigrationFailedError);
      assert.equal(error.direction, 'save');
      assert.equal(error.status, 'failed');
      return true;
    });
  });

  it('stops the guest and writes a QEVM stream to the file, quickly since the bandwidth cap is raised', async () => {
    const result = await saveMemory(vm.qmp, snapshot);
    saved = (await vm.counters()).at(-1)!;
    const head = Buffer.alloc(8);
    const handle = await open(snapshot, 'r');
    await handle.read(head, 0, 8, 0);
    await handle.close();
    assert.equal(head.toString('hex'), '5145564d00000003');
    assert.equal(result.info.status, 'completed');
    assert.ok(result.info.ram && result.info.ram.normal > 1000, 'the random blob pages were sent');
    assert.ok(result.elapsedMs < 5_000, `save took ${result.elapsedMs} ms`);
    assert.equal((await vm.qmp.execute<{ status: string }>('query-status')).status, 'postmigrate');
  });

  it('cannot save a guest twice without resuming it in between (QEMU 7.2 refuses)', async () => {
    await assert.rejects(saveMemory(vm.qmp, join(dir, 'again.mem')), (error: unknown) => {
      assert.ok(error instanceof QmpCommandError);
      assert.equal(error.command, 'migrate');
      return true;
    });
  });

  it('restores into a QEMU started with -incoming defer, and the guest continues counting', async () => {
    const restored = await launchRestoredGuest({ workDir: dir, name: 'restored', snapshot });
    started.push(restored);
    await restored.waitForSerial(/^COUNTER \d+ /);
    assertResumed((await restored.counters())[0]!, saved);
    assert.equal((await restored.qmp.execute<{ status: string }>('query-status')).status, 'running');
  });

  it('restores a stream that starts at an offset in its file (as inside a libvirt save image)', async () => {
    const prefixed = join(dir, 'prefixed.mem');
    await writeFile(prefixed, Buffer.alloc(4099, 0xaa));
    await execa('sh', ['-c', `cat ${quoteWord(snapshot)} >> ${quoteWord(prefixed)}`]);
    const restored = await launchRestoredGuest({ workDir: dir, name: 'offset', snapshot: prefixed, offset: 4099 });
    started.push(restored);
    await restored.waitForSerial(/^COUNTER \d+ /);
    assertResumed((await restored.counters())[0]!, saved);
  });

  it('refuses a file that is not a migration stream (QEMU fails the incoming migration, then exits)', async () => {
    const garbage = join(dir, 'garbage.mem');
    await writeFile(garbage, 'QEVM but not really a stream');
    const target = await launchGuest({ workDir: dir, name: 'garbage', incoming: true });
    started.push(target);
    await assert.rejects(restoreMemory(target.qmp, garbage, { timeoutMs: 10_000 }), QmpError);
    assert.doesNotMatch(await readFile(target.serialLog, 'utf8'), /COUNTER/);
  });
});

function assertResumed(first: GuestCounter, saved: GuestCounter): void {
  assert.ok(first.counter > saved.counter && first.counter <= saved.counter + 2, `counter ${first.counter} after ${saved.counter}`);
  assert.ok(first.uptime > saved.uptime, `uptime ${first.uptime} after ${saved.uptime}: the guest did not reboot`);
}
