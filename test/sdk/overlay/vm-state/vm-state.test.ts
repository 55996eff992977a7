import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeviceState } from '../../../../sdk/image/memory/index.js';
import { decodeVmState, encodeVmState, VmStateFormatError, type VmState } from '../../../../sdk/overlay/vm-state/index.js';
import { deviceTail } from '../../image/memory/hand-made-stream.js';
import { HEADER } from '../create/generated-vm.js';

const STATE: VmState = { header: HEADER, deviceState: parseDeviceState(deviceTail(), 0), libvirt: { wasRunning: true, untrustedXml: '<domain/>' } };

function refusedField(bytes: Buffer, field: string): void {
  assert.throws(() => decodeVmState(bytes), (error: unknown) => error instanceof VmStateFormatError && error.field === field);
}

describe('VM state record v1', () => {
  it('round-trips header, device state and libvirt flags', () => {
    const decoded = decodeVmState(encodeVmState(STATE));
    assert.deepEqual(decoded.header, HEADER);
    assert.deepEqual(Buffer.from(decoded.deviceState.bytes), Buffer.from(STATE.deviceState.bytes));
    assert.deepEqual(decoded.libvirt, STATE.libvirt);
    assert.equal(decodeVmState(encodeVmState({ ...STATE, libvirt: null })).libvirt, null);
  });

  it('refuses a bad magic, an unknown version and unknown flags before reading further', () => {
    const bytes = encodeVmState(STATE);
    const with_ = (at: number, write: (b: Buffer) => void) => {
      const copy = Buffer.from(bytes);
      write(copy.subarray(at));
      return copy;
    };
    refusedField(with_(0, (b) => b.write('X')), 'magic');
    refusedField(with_(8, (b) => b.writeUInt16BE(2)), 'version');
    refusedField(with_(10, (b) => b.writeUInt16BE(4)), 'flags');
  });

  it('refuses a record one byte short or one byte long, and lengths that lie', () => {
    const bytes = encodeVmState(STATE);
    refusedField(bytes.subarray(0, bytes.length - 1), 'length');
    refusedField(Buffer.concat([bytes, Buffer.alloc(1)]), 'length');
    refusedField(bytes.subarray(0, 23), 'length');
    const lying = Buffer.from(bytes);
    lying.writeUInt32BE(0xffffffff, 16);
    refusedField(lying, 'device state length');
  });

  it('refuses header JSON with unknown keys, bad block lengths or names the stream cannot carry', () => {
    const withHeader = (header: unknown) => {
      const bytes = encodeVmState({ ...STATE, libvirt: null });
      const json = Buffer.from(JSON.stringify(header));
      const fixed = Buffer.from(bytes.subarray(0, 24));
      fixed.writeUInt32BE(json.length, 12);
      return Buffer.concat([fixed, json, Buffer.from(STATE.deviceState.bytes)]);
    };
    const good = { machineType: 'pc', ramSection: HEADER.ramSection, blocks: HEADER.blocks };
    refusedField(withHeader({ ...good, extra: 1 }), 'header.extra');
    refusedField(withHeader({ ...good, blocks: [{ id: 'pc.ram', length: 4095 }] }), 'header.blocks[0].length');
    refusedField(withHeader({ ...good, blocks: [{ id: 'pc\u00e9', length: 4096 }] }), 'header.blocks[0].id');
    refusedField(withHeader({ ...good, blocks: [] }), 'header.blocks');
  });

  it('refuses a device state without its EOF + VMDESCRIPTION trailer', () => {
    const bytes = encodeVmState({ ...STATE, libvirt: null });
    bytes[bytes.length - 1]! ^= 0xff;
    refusedField(bytes, 'device state');
  });
});
