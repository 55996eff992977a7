/**
 * ed25519 keys for signed overlays, node:crypto only. A private key file is PKCS#8 PEM, mode 0600,
 * as `cloudlet keygen` writes it (and refused when others may read it, as ssh refuses such keys);
 * a public key file holds one or more SPKI PEM blocks. A key's ID is the SHA-256 of its raw
 * 32-byte public key, in hex: what overlay-sig records and what the messages name.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { FileInTheWayError, writePrivateFile } from '../../files/index.js';
import { SigningKeyError } from './signature-errors.js';

/** A public key an overlay may be signed by, with its ID. */
export interface TrustedKey {
  id: string;
  publicKey: KeyObject;
}

/** A key that signs overlays: the private half, and the public half with its ID. */
export interface OverlaySigningKey extends TrustedKey {
  privateKey: KeyObject;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The raw 32-byte ed25519 public key of `key` (public or private).
 *
 * @example rawPublicKey(key.publicKey).length // → 32
 */
export function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from((key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' }).x!, 'base64url');
}

/** @example keyId(key.publicKey) // → '3f2a…' (64 hex digits) */
export function keyId(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex');
}

/**
 * Makes a key pair: the private key at `out` (0600) and the public key at `out.pub`; neither file
 * may exist. Returns the public key and its ID.
 *
 * @example const { id } = await generateSigningKey('/root/overlay-signing.key');
 */
export async function generateSigningKey(out: string): Promise<TrustedKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writePrivateFile(out, privateKey.export({ format: 'pem', type: 'pkcs8' })).catch((error: Error) => {
    throw keyFileError(out, error);
  });
  // Meant to be handed out, so readable by all; still created exclusively, like every file the SDK writes.
  await writePrivateFile(`${out}.pub`, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 }).catch(async (error: Error) => {
    await rm(out, { force: true });
    throw keyFileError(`${out}.pub`, error);
  });
  return { id: keyId(publicKey), publicKey };
}

function keyFileError(path: string, error: Error): SigningKeyError {
  return new SigningKeyError(path, error instanceof FileInTheWayError ? 'already exists; choose another name (a key is never overwritten)' : error.message);
}

/**
 * Reads a private ed25519 key to sign overlays with.
 *
 * @example const key = await readSigningKey('/root/overlay-signing.key'); await createOverlay({ …, options: { signingKey: key } });
 */
export async function readSigningKey(path: string): Promise<OverlaySigningKey> {
  const mode = (await stat(path).catch((error: NodeJS.ErrnoException) => fail(path, error))).mode;
  if ((mode & 0o077) !== 0) throw new SigningKeyError(path, `is a private key readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  const blocks = pemBlocks(path, await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => fail(path, error)));
  if (blocks.length !== 1 || blocks[0]!.label !== 'PRIVATE KEY') throw new SigningKeyError(path, 'is not one PKCS#8 private key (cloudlet keygen writes one)');
  const privateKey = ed25519(path, () => createPrivateKey(blocks[0]!.pem));
  const publicKey = createPublicKey(privateKey);
  return { id: keyId(publicKey), publicKey, privateKey };
}

/**
 * Reads the public keys in `paths` (each file one or more PEM public keys), without duplicates.
 *
 * @example const trusted = await readTrustedKeys(['/etc/cloudlet/overlay-signers.pub']);
 */
export async function readTrustedKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  const keys = new Map<string, TrustedKey>();
  for (const path of paths) {
    const blocks = pemBlocks(path, await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => fail(path, error)));
    if (blocks.some((block) => block.label.includes('PRIVATE'))) throw new SigningKeyError(path, 'holds a private key; trust its public half (the .pub file cloudlet keygen wrote)');
    if (blocks.some((block) => block.label !== 'PUBLIC KEY')) throw new SigningKeyError(path, 'holds no PEM public key (-----BEGIN PUBLIC KEY-----)');
    for (const block of blocks) {
      const publicKey = ed25519(path, () => createPublicKey(block.pem));
      keys.set(keyId(publicKey), { id: keyId(publicKey), publicKey });
    }
  }
  return [...keys.values()];
}

function pemBlocks(path: string, text: string): Array<{ label: string; pem: string }> {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1]!, pem: match[0] }));
  if (blocks.length === 0) throw new SigningKeyError(path, 'is not a PEM key file');
  return blocks;
}

function ed25519(path: string, parse: () => KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = parse();
  } catch (error) {
    throw new SigningKeyError(path, `cannot be read as a key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(path, `is an ${key.asymmetricKeyType ?? 'unknown'} key; overlays are signed with ed25519 (cloudlet keygen)`);
  return key;
}

function fail(path: string, error: NodeJS.ErrnoException): never {
  throw new SigningKeyError(path, error.code === 'ENOENT' ? 'no such file' : error.message);
}
