import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describedDevices, DeviceStateError, parseDeviceState } from '../../../../sdk/image/memory/index.js';
import { be32, deviceTail, u8 } from './hand-made-stream.js';

describe('parseDeviceState', () => {
  it('accepts FULL sections ending in EOF + VMDESCRIPTION and exposes the JSON as text', () => {
    const state = parseDeviceState(deviceTail(), 500);
    assert.equal(state.offset, 500);
    assert.equal(JSON.parse(state.vmDescription).page_size, 4096);
    assert.deepEqual(describedDevices(state), ['timer']);
  });

  it('accepts a stream with no devices: EOF right away', () => {
    const json = Buffer.from('{"devices":[]}');
    assert.deepEqual(describedDevices(parseDeviceState(Buffer.concat([u8(0), u8(6), be32(json.length), json]), 0)), []);
  });

  it('refuses a start that is not FULL or EOF, and an empty rest', () => {
    for (const bytes of [Buffer.concat([u8(0x02), deviceTail().subarray(1)]), Buffer.alloc(0)]) {
      assert.throws(
        () => parseDeviceState(bytes, 7),
        (error: unknown) => error instanceof DeviceStateError && error.problem === 'bad-start' && error.offset === 7,
      );
    }
  });

  it('refuses a trailer whose length does not reach the end, or whose JSON is not an object', () => {
    const tail = deviceTail();
    for (const bytes of [tail.subarray(0, -1), Buffer.concat([tail, u8(0)]), Buffer.from(tail.toString('latin1').replace('{"page_size', '["page_size'), 'latin1')]) {
      assert.throws(
        () => parseDeviceState(bytes, 0),
        (error: unknown) => error instanceof DeviceStateError && error.problem === 'no-vmdescription' && error.offset === bytes.length,
      );
    }
  });
});
