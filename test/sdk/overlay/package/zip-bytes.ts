import { crc32 } from 'node:zlib';

/** One member of a hand-built zip; every field a reader checks can be overridden to lie. */
export interface RawMember {
  name: string | Buffer;
  data: Buffer;
  method?: number;
  flags?: number;
  localName?: string;
  localSize?: number;
  centralSize?: number;
  centralCrc?: number;
  /** Where the central entry says the local header is; defaults to where it really is. */
  headerOffset?: number;
}

export interface RawZipOptions {
  prefix?: Buffer;
  entries?: number;
  centralSize?: number;
  centralOffset?: number;
  comment?: Buffer;
  disk?: number;
}

/**
 * Builds zip bytes without any of the writer's checks, so tests can describe exactly the
 * malformed archive a reader must refuse. Field layout as in sdk/overlay/package/zip-layout.ts.
 */
export function buildZip(members: RawMember[], options: RawZipOptions = {}): Buffer {
  const parts: Buffer[] = [options.prefix ?? Buffer.alloc(0)];
  let position = parts[0]!.length;
  const central: Buffer[] = [];
  for (const m of members) {
    const name = typeof m.name === 'string' ? Buffer.from(m.name, 'latin1') : m.name;
    const localName = m.localName === undefined ? name : Buffer.from(m.localName, 'latin1');
    const crc = crc32(m.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.flags ?? 0, 6);
    local.writeUInt16LE(m.method ?? 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(m.localSize ?? m.data.length, 18);
    local.writeUInt32LE(m.localSize ?? m.data.length, 22);
    local.writeUInt16LE(localName.length, 26);
    const offset = position;
    parts.push(local, localName, m.data);
    position += 30 + localName.length + m.data.length;
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(m.flags ?? 0, 8);
    c.writeUInt16LE(m.method ?? 0, 10);
    c.writeUInt32LE(m.centralCrc ?? crc, 16);
    c.writeUInt32LE(m.centralSize ?? m.data.length, 20);
    c.writeUInt32LE(m.centralSize ?? m.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(m.headerOffset ?? offset, 42);
    central.push(c, name);
  }
  const directory = Buffer.concat(central);
  const comment = options.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.disk ?? 0, 4);
  end.writeUInt16LE(options.entries ?? members.length, 8);
  end.writeUInt16LE(options.entries ?? members.length, 10);
  end.writeUInt32LE(options.centralSize ?? directory.length, 12);
  end.writeUInt32LE(options.centralOffset ?? position, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...parts, directory, end, comment]);
}
