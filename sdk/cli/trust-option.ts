/** `--trust KEYFILE` (repeatable; a file may hold several PEM public keys): accept only overlays signed by one of these keys. */
import { readTrustedKeys, type TrustedKey } from '../overlay/index.js';
import type { OptionSpecs } from './command.js';

export const TRUST_OPTION = { trust: { type: 'string', multiple: true, default: [], placeholder: 'KEYFILE' } } as const satisfies OptionSpecs;

/** The keys of the --trust files, or undefined without --trust (then signatures are not checked). */
export async function trustedKeysOption(files: readonly string[]): Promise<{ trustedKeys: TrustedKey[] } | Record<string, never>> {
  return files.length === 0 ? {} : { trustedKeys: await readTrustedKeys(files) };
}
