// Output bytes become text per stream without breaking characters at chunk edges.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputDecoder } from '../../../tasks/connection/output-decoder.js';

const EMOJI = '😀'; // 4 bytes in UTF-8: f0 9f 98 80

describe('output decoder', () => {
  it('joins a 4-byte character split across two chunks', () => {
    const bytes = Buffer.from(`a${EMOJI}b`);
    const decoder = new OutputDecoder();
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const first = decoder.write('stdout', bytes.subarray(0, cut));
      const second = decoder.write('stdout', bytes.subarray(cut));
      assert.equal(first + second + decoder.end('stdout'), `a${EMOJI}b`, `cut at byte ${cut}`);
    }
  });

  it('holds the start of a character back until its last byte arrives', () => {
    const decoder = new OutputDecoder();
    assert.equal(decoder.write('stdout', Buffer.from([0x78, 0xf0, 0x9f])), 'x');
    assert.equal(decoder.write('stdout', Buffer.from([0x98])), '');
    assert.equal(decoder.write('stdout', Buffer.from([0x80, 0x79])), `${EMOJI}y`);
  });

  it('keeps stdout and stderr apart', () => {
    const decoder = new OutputDecoder();
    const bytes = Buffer.from(EMOJI);
    assert.equal(decoder.write('stdout', bytes.subarray(0, 2)), '');
    assert.equal(decoder.write('stderr', Buffer.from('é')), 'é');
    assert.equal(decoder.write('stdout', bytes.subarray(2)), EMOJI);
  });

  it('ends an unfinished character as one replacement character', () => {
    const decoder = new OutputDecoder();
    assert.equal(decoder.write('stderr', Buffer.from(EMOJI).subarray(0, 3)), '');
    assert.equal(decoder.end('stderr'), '\uFFFD');
    assert.equal(decoder.end('stdout'), '');
  });
});
