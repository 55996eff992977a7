import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Progress } from '../../../sdk/progress/index.js';
import { CloudletLines } from '../../../tasks/cloudlet/json-lines.js';

describe('CloudletLines: what a remote `cloudlet --json` says', () => {
  it('passes progress on as it comes and keeps the result line', () => {
    const seen: Progress[] = [];
    const lines = new CloudletLines((event) => seen.push(event));
    lines.feed('{"v":1,"kind":"phase-start","phase":"apply"}');
    lines.feed('{"v":1,"kind":"bytes","phase":"apply","done":10,"total":20}');
    lines.feed('');
    lines.feed('{"v":1,"kind":"result","vm":{"name":"web1","id":"0123456789ab"},"elapsedMs":812}');
    assert.deepEqual(seen, [
      { kind: 'phase-start', phase: 'apply' },
      { kind: 'bytes', phase: 'apply', done: 10, total: 20 },
    ]);
    assert.deepEqual(lines.outcome, { kind: 'result', value: { vm: { name: 'web1', id: '0123456789ab' }, elapsedMs: 812 } });
  });

  it('keeps the error line with its code and fields', () => {
    const lines = new CloudletLines(() => assert.fail('no progress'));
    lines.feed('{"v":1,"kind":"error","error":{"name":"BaseNotFoundError","code":"base-not-found","message":"no base VM \'x\'","category":"task","ref":"x"}}');
    assert.equal(lines.outcome.kind, 'error');
    assert.equal(lines.outcome.kind === 'error' && lines.outcome.error.code, 'base-not-found');
    assert.equal(lines.outcome.kind === 'error' && lines.outcome.error['ref'], 'x');
  });

  it('refuses another format version and text that is no JSON, and keeps the first such line', () => {
    const other = new CloudletLines(() => undefined);
    other.feed('{"v":2,"kind":"result"}');
    other.feed('{"v":1,"kind":"result"}');
    assert.deepEqual(other.outcome, { kind: 'unreadable', line: '{"v":2,"kind":"result"}', reason: 'format version 2, this side reads 1' });
    const text = new CloudletLines(() => undefined);
    text.feed('Segmentation fault');
    assert.equal(text.outcome.kind, 'unreadable');
    const array = new CloudletLines(() => undefined);
    array.feed('[1,2]');
    assert.deepEqual(array.outcome, { kind: 'unreadable', line: '[1,2]', reason: 'not a JSON object' });
  });

  it('says none when the command wrote no result', () => {
    assert.deepEqual(new CloudletLines(() => undefined).outcome, { kind: 'none' });
  });
});
