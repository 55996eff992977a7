import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import { baseVmId, createOverlay } from '../../../sdk/overlay/create/index.js';
import {
  generateSigningKey,
  OverlayUnsignedError,
  readSigningKey,
  readTrustedKeys,
  SignatureMismatchError,
  UntrustedSignerError,
  type TrustedKey,
} from '../../../sdk/overlay/package/index.js';
import { StoredZipReader } from '../../../sdk/overlay/package/zip-reader.js';
import { StoredZipWriter } from '../../../sdk/overlay/package/zip-writer.js';
import type { Progress } from '../../../sdk/progress/index.js';
import { synthesize } from '../../../sdk/synthesis/index.js';
import { generatedVm, type GeneratedVm } from '../overlay/create/generated-vm.js';
import { assertDirHolds } from './compare.js';

type ErrorClass = abstract new (...args: never[]) => Error;

describe('synthesis of signed overlays: with trusted keys, only an overlay one of them signed is used', () => {
  let vm: GeneratedVm;
  let baseId: string;
  let signed: string;
  let unsigned: string;
  let trusted: TrustedKey[];
  let other: TrustedKey[];
  let serial = 0;

  before(async () => {
    vm = await generatedVm();
    baseId = await baseVmId(vm.base.disk);
    for (const name of ['signer', 'other']) await generateSigningKey(join(vm.dir, `${name}.key`));
    trusted = await readTrustedKeys([join(vm.dir, 'signer.key.pub')]);
    other = await readTrustedKeys([join(vm.dir, 'other.key.pub')]);
    const make = async (name: string, sign: boolean) => {
      const output = join(vm.dir, name);
      const signingKey = sign ? await readSigningKey(join(vm.dir, 'signer.key')) : undefined;
      await createOverlay({ base: { ...vm.base, id: baseId }, customized: vm.customized, output, options: { codec: { codec: 'xz', level: 0 }, ...(signingKey ? { signingKey } : {}) } });
      return output;
    };
    signed = await make('signed.overlay', true);
    unsigned = await make('unsigned.overlay', false);
  });
  after(async () => vm.remove());

  const run = async (overlay: string, trustedKeys?: TrustedKey[]) => {
    const outputDir = await mkdtemp(join(vm.dir, `out-${serial++}-`));
    const phases: string[] = [];
    const onProgress = (event: Progress) => void (event.kind === 'phase-start' && phases.push(event.phase));
    const result = synthesize({ base: { ...vm.base, id: baseId }, overlay, outputDir, options: { onProgress, ...(trustedKeys ? { trustedKeys } : {}) } });
    return { result, outputDir, phases };
  };

  /** Refused with `type` while opening the package: no blob read (no apply phase), nothing written. */
  async function refused(overlay: string, trustedKeys: TrustedKey[], type: ErrorClass): Promise<void> {
    const { result, outputDir, phases } = await run(overlay, trustedKeys);
    await assert.rejects(result, (error: unknown) => error instanceof type);
    assert.deepEqual(phases, ['base-id', 'open']);
    await assertDirHolds(outputDir, []);
  }

  it('a signed overlay synthesizes with its signer trusted, and with no keys given at all', async () => {
    for (const keys of [trusted, [...other, ...trusted], undefined]) {
      const { result, phases } = await run(signed, keys);
      const { disk } = await result;
      assert.ok((await readFile(disk)).length > 0);
      assert.ok(phases.includes('apply'));
    }
  });

  it('an unsigned overlay is refused when keys are given, and used as before when none are', async () => {
    await refused(unsigned, trusted, OverlayUnsignedError);
    await (await run(unsigned)).result;
  });

  it('an overlay signed by another key is refused', async () => {
    await refused(signed, other, UntrustedSignerError);
  });

  it('an overlay whose meta was changed after signing (into another valid meta) is refused', async () => {
    const reader = await StoredZipReader.open(signed, { maxMembers: 16, maxCentralDirectoryBytes: 1 << 16 });
    const path = join(vm.dir, 'tampered.overlay');
    const zip = await StoredZipWriter.create(path);
    for (const [name, member] of reader.members) {
      const bytes = await reader.read(member, 0, member.size);
      const meta = name === 'overlay-meta' ? (decode(bytes) as Record<string, unknown>) : undefined;
      await zip.addMember(name, meta ? Buffer.from(encode({ ...meta, created_by: 'not the signer' })) : bytes);
    }
    await zip.finish('');
    await reader.close();
    await refused(path, trusted, SignatureMismatchError);
  });
});
