import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  QmpClient,
  QmpClosedError,
  QmpCommandError,
  QmpConnectionError,
  QmpProtocolError,
  QmpTimeoutError,
} from '../../../native/qemu/index.js';

type Handler = (message: { execute: string; arguments?: unknown; id: number }, socket: Socket) => void;

const GREETING = { QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'test' }, capabilities: ['oob'] } };

/** A QMP server that speaks just enough of the protocol; `handler` answers everything after qmp_capabilities. */
async function fakeQmp(path: string, handler: Handler): Promise<Server> {
  const server = createServer((socket) => {
    socket.write(`${JSON.stringify(GREETING)}\r\n`);
    let partial = '';
    socket.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line) as Parameters<Handler>[0];
        if (message.execute === 'qmp_capabilities') socket.write(`${JSON.stringify({ return: {}, id: message.id })}\r\n`);
        else handler(message, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

const reply = (socket: Socket, value: object) => socket.write(`${JSON.stringify(value)}\r\n`);

describe('QmpClient', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qmp-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the greeting, negotiates capabilities and matches replies to commands by id', async () => {
    const path = join(dir, 'ids.sock');
    const held: Array<() => void> = [];
    const server = await fakeQmp(path, (message, socket) => {
      // Answer the first command only after the second: replies must still reach the right caller.
      held.push(() => reply(socket, { return: { echo: message.execute }, id: message.id }));
      if (held.length === 2) held.reverse().forEach((send) => send());
    });
    const qmp = await QmpClient.connect(path);
    assert.equal(qmp.greeting.version.qemu.major, 7);
    const [a, b] = await Promise.all([qmp.execute('query-status'), qmp.execute('query-migrate')]);
    assert.deepEqual([a, b], [{ echo: 'query-status' }, { echo: 'query-migrate' }]);
    await qmp.close();
    server.close();
  });

  it('rejects a command QEMU refuses with QmpCommandError carrying the command and error class', async () => {
    const path = join(dir, 'error.sock');
    const server = await fakeQmp(path, (message, socket) =>
      reply(socket, { error: { class: 'GenericError', desc: 'no such thing' }, id: message.id }),
    );
    const qmp = await QmpClient.connect(path);
    await assert.rejects(qmp.execute('migrate', { uri: 'exec:true' }), (error: unknown) => {
      assert.ok(error instanceof QmpCommandError);
      assert.equal(error.command, 'migrate');
      assert.equal(error.errorClass, 'GenericError');
      assert.equal(error.description, 'no such thing');
      return true;
    });
    await qmp.close();
    server.close();
  });

  it('delivers events to listeners and to waitForEvent, filtered by name and predicate', async () => {
    const path = join(dir, 'events.sock');
    const server = await fakeQmp(path, (message, socket) => {
      reply(socket, { event: 'MIGRATION', data: { status: 'active' }, timestamp: { seconds: 1, microseconds: 0 } });
      reply(socket, { event: 'STOP', data: {}, timestamp: { seconds: 1, microseconds: 1 } });
      reply(socket, { event: 'MIGRATION', data: { status: 'completed' }, timestamp: { seconds: 2, microseconds: 0 } });
      reply(socket, { return: {}, id: message.id });
    });
    const qmp = await QmpClient.connect(path);
    const seen: string[] = [];
    const unsubscribe = qmp.onEvent((event) => seen.push(event.event));
    const completed = qmp.waitForEvent('MIGRATION', { match: (event) => event.data.status === 'completed' });
    await qmp.execute('migrate', { uri: 'exec:cat > /dev/null' });
    assert.deepEqual((await completed).data, { status: 'completed' });
    assert.deepEqual(seen, ['MIGRATION', 'STOP', 'MIGRATION']);
    unsubscribe();
    await qmp.close();
    server.close();
  });

  it('times out a command that gets no reply, and fails pending commands when the connection closes', async () => {
    const path = join(dir, 'silent.sock');
    let peer: Socket | undefined;
    const server = await fakeQmp(path, (_message, socket) => (peer = socket));
    const qmp = await QmpClient.connect(path);
    await assert.rejects(qmp.execute('query-status', undefined, { timeoutMs: 50 }), QmpTimeoutError);
    const pending = qmp.execute('query-status');
    const event = qmp.waitForEvent('SHUTDOWN');
    await sleep(20);
    peer!.destroy();
    await assert.rejects(pending, (error: unknown) => error instanceof QmpClosedError && error.pending === 'query-status');
    await assert.rejects(event, QmpClosedError);
    assert.equal(qmp.closed, true);
    await assert.rejects(qmp.execute('cont'), QmpClosedError);
    server.close();
  });

  it('fails every pending command with QmpProtocolError when QEMU sends a line that is not JSON', async () => {
    const path = join(dir, 'garbage.sock');
    const server = await fakeQmp(path, (_message, socket) => socket.write('this is not json\r\n'));
    const qmp = await QmpClient.connect(path);
    await assert.rejects(qmp.execute('query-status'), (error: unknown) => error instanceof QmpProtocolError && error.line === 'this is not json');
    server.close();
  });

  it('waits for a socket QEMU has not created yet, and gives up with QmpConnectionError', async () => {
    const late = join(dir, 'late.sock');
    const connecting = QmpClient.connect(late, { timeoutMs: 2_000 });
    await sleep(150);
    const server = await fakeQmp(late, () => undefined);
    const qmp = await connecting;
    await qmp.close();
    server.close();

    await assert.rejects(QmpClient.connect(join(dir, 'never.sock'), { timeoutMs: 100 }), (error: unknown) => {
      assert.ok(error instanceof QmpConnectionError);
      assert.equal(error.socketPath, join(dir, 'never.sock'));
      assert.equal(error.reason, 'ENOENT');
      return true;
    });
  });
});
