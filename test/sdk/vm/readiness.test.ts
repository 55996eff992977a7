import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  detectAcceleration,
  ReadinessTimeoutError,
  SerialTail,
  VmStoppedError,
  waitUntilReady,
  type ReadinessWatch,
} from '../../../sdk/vm/index.js';

const running = async () => ({ active: true, state: 'running' });

describe('SerialTail', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serial-tail-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns only lines completed since the last read, from the given offset, without CRs', async () => {
    const log = join(dir, 'console.log');
    await writeFile(log, 'old line\r\n');
    const tail = new SerialTail(log, (await readFile(log)).length);
    assert.deepEqual(await tail.read(), []);
    await appendFile(log, 'GUEST-BOOTED\r\nCOUNTER 1 UP');
    assert.deepEqual(await tail.read(), ['GUEST-BOOTED']);
    await appendFile(log, 'TIME 2.0\r\n');
    assert.deepEqual(await tail.read(), ['COUNTER 1 UPTIME 2.0']);
    assert.deepEqual(tail.recent, ['GUEST-BOOTED', 'COUNTER 1 UPTIME 2.0']);
    assert.deepEqual(await new SerialTail(join(dir, 'missing.log')).read(), []);
  });
});

describe('waitUntilReady', () => {
  let dir: string;
  const servers: Server[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readiness-'));
  });
  after(async () => {
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function listen(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer(onConnection);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  function watch(name: string, status: ReadinessWatch['status'] = running, signal?: AbortSignal): ReadinessWatch {
    return { domain: 'vm', serial: new SerialTail(join(dir, name)), status, ...(signal ? { signal } : {}) };
  }

  it('is ready when a console line matches, and says which line', async () => {
    setTimeout(() => void writeFile(join(dir, 'a.log'), 'booting\nGUEST-BOOTED\n'), 200);
    const ready = await waitUntilReady({ kind: 'serial', pattern: /^GUEST-BOOTED$/, timeoutMs: 5_000 }, watch('a.log'));
    assert.equal(ready.evidence, 'GUEST-BOOTED');
    assert.ok(ready.elapsedMs >= 150);
  });

  it('times out with the last console lines', async () => {
    await writeFile(join(dir, 'b.log'), 'Kernel panic\n');
    await assert.rejects(waitUntilReady({ kind: 'serial', pattern: /login:/, timeoutMs: 300 }, watch('b.log')), (error: unknown) => {
      assert.ok(error instanceof ReadinessTimeoutError);
      assert.deepEqual(error.lastSerialLines, ['Kernel panic']);
      return true;
    });
  });

  it('fails at once when the VM stops instead of waiting for the timeout', async () => {
    const started = Date.now();
    await assert.rejects(waitUntilReady({ kind: 'serial', pattern: /never/, timeoutMs: 60_000 }, watch('c.log', async () => ({ active: false, state: 'crashed' }))), (error: unknown) => {
      assert.ok(error instanceof VmStoppedError);
      assert.equal(error.state, 'crashed');
      return true;
    });
    assert.ok(Date.now() - started < 2_000);
  });

  it('counts a forwarded port as ready only when a service answers: a banner, not an accept-then-close', async () => {
    const banner = await listen((socket) => socket.end('SSH-2.0-test\r\n'));
    const ready = await waitUntilReady({ kind: 'tcp', port: banner, timeoutMs: 5_000 }, watch('d.log'));
    assert.equal(ready.evidence, `tcp 127.0.0.1:${banner}`);
    // What user-mode networking does for a forwarded port nobody listens on in the guest.
    const refused = await listen((socket) => socket.destroy());
    await assert.rejects(waitUntilReady({ kind: 'tcp', port: refused, timeoutMs: 1_500 }, watch('d.log')), ReadinessTimeoutError);
  });

  it('waits a fixed delay, or for a confirmation, and stops waiting when aborted', async () => {
    assert.equal((await waitUntilReady({ kind: 'delay', ms: 150 }, watch('e.log'))).evidence, '150 ms passed');
    const confirmed = await waitUntilReady({ kind: 'confirmed', confirmed: new Promise((resolve) => setTimeout(resolve, 100)) }, watch('e.log'));
    assert.equal(confirmed.evidence, 'confirmed');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(waitUntilReady({ kind: 'confirmed', confirmed: new Promise(() => undefined) }, watch('e.log', running, controller.signal)), { name: 'AbortError' });
  });
});

describe('detectAcceleration', () => {
  it('chooses KVM only when the CPU has vmx/svm and /dev/kvm opens, and says why', async () => {
    const { domainType, detail } = await detectAcceleration();
    const flags = /^flags\s*:.*\b(vmx|svm)\b/m.test(await readFile('/proc/cpuinfo', 'utf8'));
    if (!flags) assert.equal(domainType, 'qemu');
    assert.match(detail, domainType === 'kvm' ? /KVM/ : /TCG/);
  });
});
