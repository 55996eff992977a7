/**
 * The edge to xdelta3 (VCDIFF) through xdelta3-wasm: patches of one 4 KiB chunk against another.
 * The WASM module is loaded once; its calls are then synchronous and cheap (~30 µs a page here).
 * Sizes are bounded by the caller, so a hostile patch can neither make the module allocate a
 * large output nor return one of a length other than the expected size.
 */
import { init, xd3_decode_memory, xd3_encode_memory, xd3_smatch_cfg } from 'xdelta3-wasm';
import { CloudletError } from '../sdk/errors/cloudlet-error.js';

/** xdelta3-wasm's code for "output larger than output_size_max". */
const ENOSPC = 51;
/** Inputs past this size are a caller bug here: the overlay only patches single chunks. */
const MAX_INPUT_BYTES = 1 << 16;

export class XdeltaError extends CloudletError {
  static override readonly code: string = 'xdelta-failed';
  /** `returnCode` is xdelta3's own (was `code` before CloudletError took that name for the class's code). */
  constructor(readonly operation: 'encode' | 'decode', readonly returnCode: number, readonly reason: string, options?: ErrorOptions) {
    super(`xdelta3 ${operation} failed (${returnCode}): ${reason}`, options);
  }
}

export interface Xdelta {
  /** The VCDIFF patch turning `source` into `target`, or undefined if it would exceed `maxBytes`. */
  encode(target: Uint8Array, source: Uint8Array, maxBytes: number): Buffer | undefined;
  /** Applies `patch` to `source`; throws XdeltaError unless the result is exactly `size` bytes. */
  decode(patch: Uint8Array, source: Uint8Array, size: number): Buffer;
}

let loading: Promise<Xdelta> | undefined;

/**
 * Loads the WASM module (once per thread) and returns its synchronous coder.
 *
 * @example
 * const xd = await loadXdelta();
 * const patch = xd.encode(newPage, basePage, 4096); // undefined when no patch of ≤ 4096 bytes exists
 * const page = xd.decode(patch!, basePage, 4096);
 */
export function loadXdelta(): Promise<Xdelta> {
  loading ??= init().then(() => {
    const coder: Xdelta = { encode, decode };
    // The wrapper caches a DataView over WASM memory on first use; growing the heap later would
    // detach it. One call of the largest shape now lets the allocator reach its steady size first.
    const page = Buffer.alloc(4096);
    const patch = coder.encode(page, page, 2 * page.length);
    if (patch !== undefined) coder.decode(patch, page, page.length);
    return coder;
  });
  return loading;
}

function encode(target: Uint8Array, source: Uint8Array, maxBytes: number): Buffer | undefined {
  checkSizes('encode', target.length, source.length, maxBytes);
  const result = call('encode', () => xd3_encode_memory(target, source, maxBytes, xd3_smatch_cfg.DEFAULT));
  if (result.ret === ENOSPC) return undefined;
  if (result.ret !== 0) throw new XdeltaError('encode', result.ret, result.str);
  return Buffer.from(result.output.buffer, result.output.byteOffset, result.output.length);
}

function decode(patch: Uint8Array, source: Uint8Array, size: number): Buffer {
  checkSizes('decode', patch.length, source.length, size);
  const result = call('decode', () => xd3_decode_memory(patch, source, size));
  if (result.ret !== 0) throw new XdeltaError('decode', result.ret, result.str);
  if (result.output.length !== size) throw new XdeltaError('decode', 0, `patch produced ${result.output.length} bytes, expected ${size}`);
  return Buffer.from(result.output.buffer, result.output.byteOffset, result.output.length);
}

function checkSizes(operation: 'encode' | 'decode', ...sizes: number[]): void {
  if (sizes.some((size) => !Number.isInteger(size) || size < 0 || size > MAX_INPUT_BYTES)) {
    throw new XdeltaError(operation, 0, `sizes ${sizes.join(', ')} are outside 0..${MAX_INPUT_BYTES}`);
  }
}

/** WASM traps and wrapper faults (a detached view) become XdeltaError too. */
function call<T>(operation: 'encode' | 'decode', run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new XdeltaError(operation, -1, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
