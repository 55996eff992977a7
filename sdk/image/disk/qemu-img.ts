import { execa, ExecaError } from 'execa';
import { missingTool } from '../../../native/host-tool.js';
import { MapFormatError, QemuImgError } from './errors.js';

/** The fields of `qemu-img info --output=json` this package relies on. */
export interface ImageInfo {
  format: string;
  virtualSize: number;
  encrypted: boolean;
  /** Backing file as qemu resolves it (`full-backing-filename`). */
  backingFile?: string;
  backingFormat?: string;
  /** External data file of a qcow2 (`format-specific.data.data-file`). */
  dataFile?: string;
}

/**
 * One line of `qemu-img map --output=json`: a run of guest bytes with the same allocation.
 * depth 0 is the image itself, depth n its n-th backing file; `offset` is the host offset of the data
 * in the file at that depth (absent for compressed qcow2 clusters and unallocated zero clusters).
 */
export interface MapExtent {
  start: number;
  length: number;
  depth: number;
  zero: boolean;
  data: boolean;
  offset?: number;
}

export type ImageFormat = 'raw' | 'qcow2';

/**
 * Reads image facts with `qemu-img info`. The format is always given, never probed.
 *
 * @example const info = await imageInfo('/vm/overlay.qcow2', 'qcow2'); info.backingFile // '/vm/base.raw'
 */
export async function imageInfo(path: string, format: ImageFormat): Promise<ImageInfo> {
  const args = ['info', '--output=json', '-f', format, path];
  const raw = JSON.parse(await qemuImg(args)) as Record<string, unknown>;
  const data = ((raw['format-specific'] as Record<string, unknown> | undefined)?.data ?? {}) as Record<string, unknown>;
  return {
    format: String(raw.format),
    virtualSize: Number(raw['virtual-size']),
    encrypted: raw.encrypted === true || data.encrypt !== undefined,
    backingFile: optionalString(raw['full-backing-filename']),
    backingFormat: optionalString(raw['backing-filename-format']),
    dataFile: optionalString(data['data-file']),
  };
}

/**
 * Streams the allocation map of an image, one extent at a time (qemu-img prints one per line), so a
 * fragmented multi-GiB image never needs its whole map in memory. Checks that the extents are
 * well-formed, contiguous from 0 and cover exactly `size` bytes.
 *
 * @example for await (const e of mapExtents('/vm/base.raw', 'raw', size)) if (e.data) …
 */
export async function* mapExtents(path: string, format: ImageFormat, size: number): AsyncGenerator<MapExtent> {
  const args = ['map', '--output=json', '-f', format, path];
  const subprocess = execa('qemu-img', args, { buffer: { stdout: false } });
  let next = 0;
  let exited = false;
  try {
    for await (const line of subprocess) {
      const text = line.trim().replace(/^\[/, '').replace(/[\],]$/, '');
      if (text === '') continue;
      const extent = parseExtent(path, text);
      if (extent.start !== next) throw new MapFormatError(path, line, `extent starts at ${extent.start}, expected ${next}`);
      next = extent.start + extent.length;
      if (next > size) throw new MapFormatError(path, line, `extent ends at ${next}, past the image size ${size}`);
      yield extent;
    }
    await subprocess;
    exited = true;
  } catch (error) {
    throw asQemuImgError(error, args);
  } finally {
    if (!exited) {
      // The consumer stopped early or the output was refused: stop qemu-img and reap it.
      subprocess.kill();
      await subprocess.catch(() => undefined);
    }
  }
  if (next !== size) throw new MapFormatError(path, '', `extents end at ${next}, not at the image size ${size}`);
}

function parseExtent(path: string, text: string): MapExtent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MapFormatError(path, text, 'not JSON');
  }
  const e = value as Record<string, unknown>;
  const count = (key: string, min: number) => {
    const n = e[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) throw new MapFormatError(path, text, `bad ${key}`);
    return n;
  };
  if (typeof e.zero !== 'boolean' || typeof e.data !== 'boolean') throw new MapFormatError(path, text, 'bad zero/data flags');
  const extent: MapExtent = { start: count('start', 0), length: count('length', 1), depth: count('depth', 0), zero: e.zero, data: e.data };
  if (e.offset !== undefined) extent.offset = count('offset', 0);
  return extent;
}

/**
 * Runs qemu-img and returns its stdout; a failure is QemuImgError with its stderr, a missing
 * qemu-img HostToolMissingError.
 *
 * @example await qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', 'layer.qcow2']);
 */
export async function qemuImg(args: string[], options: { signal?: AbortSignal } = {}): Promise<string> {
  try {
    return (await execa('qemu-img', args, options.signal ? { cancelSignal: options.signal } : {})).stdout;
  } catch (error) {
    throw asQemuImgError(error, args);
  }
}

function asQemuImgError(error: unknown, args: readonly string[]): unknown {
  if (error instanceof ExecaError && error.isCanceled) return error;
  return missingTool(error, 'qemu-img') ?? (error instanceof ExecaError ? new QemuImgError(args, error.exitCode, String(error.stderr ?? '')) : error);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
