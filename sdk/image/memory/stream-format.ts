/**
 * The QEMU migration stream ("QEVM", savevm format version 3) as written by QEMU 6.2–8.2 for a
 * precopy migration with no migration capabilities set (`migrate exec:cat > file`, `virsh save`).
 * All integers are big-endian. Sources: QEMU migration/savevm.c, migration/ram.c, migration/vmstate.c.
 *
 * | bytes            | field                                                                     |
 * |------------------|---------------------------------------------------------------------------|
 * | 4                | magic "QEVM" (0x5145564d)                                                 |
 * | 4                | version = 3 (2 is the obsolete pre-1.3 format)                            |
 * | 1                | CONFIGURATION 0x07                                                        |
 * | 4 + n            | u32 n, machine type (e.g. "pc-i440fx-7.2"); no subsections (a subsection  |
 * |                  | 0x05 here means x-ignore-shared/validate-uuid/non-default page bits)      |
 * | section header   | u8 type, u32 section id; START 0x01 and FULL 0x04 add u8 len, idstr,      |
 * |                  | u32 instance id, u32 version id; PART 0x02 / END 0x03 stop after the id   |
 * | START "ram" v4   | MEM_SIZE record, block list, EOS record, footer                           |
 * | PART … / END     | RAM page records, EOS record, footer (a page may appear in several parts  |
 * |                  | of a live migration: the later copy wins)                                 |
 * | footer           | FOOTER 0x7e, u32 section id (same as the section's)                       |
 * | FULL … (devices) | device state (vmstate) sections: no length prefix, only the vmstate       |
 * |                  | description of each device gives their size; kept as opaque bytes         |
 * | 1                | EOF 0x00                                                                  |
 * | 1 + 4 + n        | VMDESCRIPTION 0x06, u32 n, n bytes of JSON describing the device sections |
 *
 * A RAM record starts with a u64 whose low 12 bits (below the 4 KiB target page) are flags and
 * whose high bits are an address:
 *
 * | record              | u64 = addr + flags               | then                                  |
 * |---------------------|----------------------------------|---------------------------------------|
 * | MEM_SIZE 0x04       | total bytes of all blocks        | per block: u8 len, idstr, u64 length, |
 * |                     |                                  | until the lengths sum to the total    |
 * | ZERO 0x02           | page offset within the block     | [u8 len, idstr], u8 fill (always 0)   |
 * | PAGE 0x08           | page offset within the block     | [u8 len, idstr], 4096 bytes           |
 * | EOS 0x10            | 0                                | nothing: end of this section's RAM    |
 *
 * CONTINUE 0x20 on a ZERO/PAGE record means "same block as the previous page record" and drops the
 * [u8 len, idstr]; the previous block carries over section boundaries. Refused: FULL 0x01
 * (obsolete), XBZRLE 0x40, HOOK 0x80 (RDMA), COMPRESS_PAGE 0x100, MULTIFD_FLUSH 0x200 and any
 * unknown bit, as well as COMMAND 0x08 sections (postcopy, return path, COLO) and iterable
 * sections other than "ram" (block migration, dirty bitmaps).
 */

export const QEVM_MAGIC = 0x5145564d;
export const QEVM_VERSION = 3;
export const RAM_SECTION_ID = 'ram';
export const RAM_SECTION_VERSION = 4;

/** QEMU's TARGET_PAGE_SIZE on x86: the unit of page identity. */
export const PAGE_SIZE = 4096;
export const PAGE_FLAGS_MASK = PAGE_SIZE - 1;

export const SectionType = {
  EOF: 0x00,
  START: 0x01,
  PART: 0x02,
  END: 0x03,
  FULL: 0x04,
  SUBSECTION: 0x05,
  VMDESCRIPTION: 0x06,
  CONFIGURATION: 0x07,
  COMMAND: 0x08,
  FOOTER: 0x7e,
} as const;

export const RamFlag = {
  FULL: 0x01,
  ZERO: 0x02,
  MEM_SIZE: 0x04,
  PAGE: 0x08,
  EOS: 0x10,
  CONTINUE: 0x20,
  XBZRLE: 0x40,
  HOOK: 0x80,
  COMPRESS_PAGE: 0x100,
  MULTIFD_FLUSH: 0x200,
} as const;

/** A RAM block as the stream's block list declares it. */
export interface RamBlock {
  /** QEMU's RAMBlock idstr, e.g. "pc.ram", "pc.bios", "/rom@etc/acpi/tables". */
  id: string;
  /** used_length in bytes; a multiple of PAGE_SIZE. */
  length: number;
}

/** Everything before the first page record, i.e. what a writer needs to open a stream. */
export interface StreamHeader {
  version: typeof QEVM_VERSION;
  /** The CONFIGURATION section's machine type, or null for machine types that omit it. */
  machineType: string | null;
  ramSection: { sectionId: number; instanceId: number; versionId: number };
  blocks: RamBlock[];
}

/** One page of guest RAM, identified by block idstr and byte offset within the block. */
export type RamPage =
  | { block: string; offset: number; zero: true; data?: undefined }
  | { block: string; offset: number; zero: false; data: Uint8Array };

/** A page as read from a stream: where it sat and whether it used CONTINUE. */
export type StreamPage = RamPage & {
  /** File offset of the record's u64 header. */
  recordOffset: number;
  /** File offset of the 4096 data bytes; -1 for a zero page. */
  dataOffset: number;
  /** The record omitted the block name (RAM_SAVE_FLAG_CONTINUE). */
  continued: boolean;
};

/** A RAM section boundary (PART or END); the pages that follow belong to it. */
export interface RamSectionMark {
  kind: 'section';
  type: 'part' | 'end';
  sectionId: number;
  offset: number;
}

/** What MigrationStreamReader.records() yields, in stream order. */
export type RamRecord = RamSectionMark | ({ kind: 'page' } & StreamPage);

/** The device state after the RAM: opaque bytes from the first FULL section to the end of the stream. */
export interface DeviceState {
  /** File offset where the device state began in the stream it was read from. */
  offset: number;
  bytes: Uint8Array;
  /** The trailing VMDESCRIPTION JSON: untrusted text, for display and diagnostics only. */
  vmDescription: string;
}

/** Names a RAM flags value for error messages, e.g. "PAGE|CONTINUE|0x400". */
export function describeRamFlags(flags: number): string {
  const names = Object.entries(RamFlag)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
  const unknown = flags & ~Object.values(RamFlag).reduce((all, bit) => all | bit, 0);
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names.length > 0 ? names.join('|') : '0';
}
