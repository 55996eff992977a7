import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BlockListError,
  MalformedStreamError,
  PageOutOfRangeError,
  UnsupportedRamFlagsError,
} from '../../../../sdk/image/memory/index.js';
import { encodeBlockList, encodePageRecord } from '../../../../sdk/image/memory/ram-section.js';
import { be32, be64, BLOCKS, fileHeader, Flag, PAGE, pageRecord, RAM_ID, ramStart, readAll, u8 } from './hand-made-stream.js';

const PREFIX = Buffer.concat([fileHeader(), ramStart()]);
const partOpen = Buffer.concat([u8(0x02), be32(RAM_ID)]);

/** Reads a stream whose first PART holds `body`; returns what it threw. */
async function refusalOf(body: Buffer[], prefix = PREFIX): Promise<unknown> {
  try {
    await readAll(Buffer.concat([prefix, partOpen, ...body]));
  } catch (error) {
    return error;
  }
  assert.fail('the stream was accepted');
}

describe('RAM records', () => {
  const firstRecord = PREFIX.length + partOpen.length;

  for (const [feature, flags] of [
    ['XBZRLE', 0x40],
    ['RDMA hook', 0x80],
    ['COMPRESS_PAGE', 0x100],
    ['MULTIFD_FLUSH (QEMU 8.x multifd)', 0x200],
    ['an unknown bit', 0x400],
    ['obsolete FULL', 0x01],
    ['PAGE together with ZERO', Flag.PAGE | Flag.ZERO],
  ] as const) {
    it(`refuses a record using ${feature} with UnsupportedRamFlagsError at the record`, async () => {
      const error = await refusalOf([be64(flags), u8(6), Buffer.from('pc.ram'), Buffer.alloc(PAGE)]);
      assert.ok(error instanceof UnsupportedRamFlagsError, String(error));
      assert.equal(error.flags, flags);
      assert.equal(error.offset, firstRecord);
    });
  }

  it('refuses a MEM_SIZE record after the START section', async () => {
    const error = await refusalOf([be64(BLOCKS[0]!.length + Flag.MEM_SIZE)]);
    assert.ok(error instanceof UnsupportedRamFlagsError);
    assert.equal(error.flagNames, 'MEM_SIZE');
  });

  it('refuses CONTINUE when no page record came before', async () => {
    const error = await refusalOf([pageRecord(null, 0, 1)]);
    assert.ok(error instanceof MalformedStreamError);
    assert.equal(error.offset, firstRecord);
  });

  it('refuses a page offset at or beyond the end of its block, naming block and offset', async () => {
    const error = await refusalOf([pageRecord('pc.bios', 4 * PAGE, 1)]);
    assert.ok(error instanceof PageOutOfRangeError);
    assert.deepEqual([error.block, error.pageOffset, error.blockLength, error.offset], ['pc.bios', 4 * PAGE, 4 * PAGE, firstRecord]);
  });

  it('refuses a page of a block the list did not declare', async () => {
    const error = await refusalOf([pageRecord('vga.vram', 0, 1)]);
    assert.ok(error instanceof PageOutOfRangeError);
    assert.equal(error.block, 'vga.vram');
    assert.equal(error.blockLength, -1);
  });

  it('refuses a ZERO record whose fill byte is not 0 (QEMU has not written one since 2.x)', async () => {
    const record = pageRecord('pc.ram', 0, 'zero');
    record[record.length - 1] = 0x55;
    const error = await refusalOf([record]);
    assert.ok(error instanceof MalformedStreamError);
    assert.equal(error.offset, firstRecord + record.length - 1);
  });

  it('refuses an EOS record that carries an address', async () => {
    assert.ok((await refusalOf([be64(PAGE + Flag.EOS)])) instanceof MalformedStreamError);
  });
});

describe('the RAM block list', () => {
  const startAt = fileHeader().length;
  const listAt = startAt + 1 + 4 + 4 + 4 + 4 + 8;

  function startWith(entries: Buffer[], total: number): Buffer {
    return Buffer.concat([fileHeader(), u8(0x01), be32(RAM_ID), u8(3), Buffer.from('ram'), be32(0), be32(4), be64(total + Flag.MEM_SIZE), ...entries]);
  }
  const entry = (id: string, length: number) => Buffer.concat([u8(id.length), Buffer.from(id), be64(length)]);

  async function listRefusal(bytes: Buffer): Promise<BlockListError> {
    const error = await readAll(bytes).then(
      () => assert.fail('accepted'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof BlockListError, String(error));
    return error;
  }

  it('refuses a block length that is not a whole number of pages', async () => {
    const error = await listRefusal(startWith([entry('pc.ram', PAGE + 1)], PAGE + 1 - ((PAGE + 1) & 0xfff)));
    assert.equal(error.problem, 'unaligned-length');
    assert.equal(error.offset, listAt);
  });

  it('refuses lengths that overshoot the MEM_SIZE total', async () => {
    const error = await listRefusal(startWith([entry('pc.ram', 2 * PAGE), entry('pc.bios', 2 * PAGE)], 3 * PAGE));
    assert.equal(error.problem, 'length-sum');
  });

  it('refuses a block listed twice and an empty block id', async () => {
    assert.equal((await listRefusal(startWith([entry('a', PAGE), entry('a', PAGE)], 2 * PAGE))).problem, 'duplicate-id');
    assert.equal((await listRefusal(startWith([entry('', PAGE)], PAGE))).problem, 'empty-id');
  });

  it('refuses a MEM_SIZE of zero', async () => {
    assert.equal((await listRefusal(startWith([], 0))).problem, 'empty-list');
  });

  it('encodes the block list and page records exactly as QEMU lays them out', () => {
    const list = encodeBlockList(BLOCKS);
    assert.deepEqual(list, ramStart().subarray(1 + 4 + 4 + 4 + 4, -(8 + 5)));
    assert.deepEqual(Buffer.concat(encodePageRecord({ block: 'pc.ram', offset: PAGE, zero: true }, true)), pageRecord(null, PAGE, 'zero'));
    const data = Buffer.alloc(PAGE, 7);
    assert.deepEqual(Buffer.concat(encodePageRecord({ block: 'pc.bios', offset: 0, zero: false, data }, false)), pageRecord('pc.bios', 0, 7));
  });
});
