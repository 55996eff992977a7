/**
 * The synthesis server's TLS certificate and key: the operator's (--cert/--key), or a self-signed
 * pair made once and kept in server/ (0700) under the cloudlet directory, the key 0600. Clients
 * pin a self-signed certificate by its SHA-256 fingerprint, printed in OpenSSH's form
 * (`SHA256:` + unpadded base64 of the digest of the DER certificate), the form this project
 * already prints for guest host keys.
 *
 * The pair is made by the host's `openssl` (ECDSA P-256, ten years), not by an npm package: the
 * `selfsigned` package pulls node-forge in (pure-JavaScript RSA, a large dependency with a CVE
 * history) for one call per host lifetime, where openssl is on every Debian and Ubuntu host
 * (ca-certificates depends on it). It writes into a private temp directory; both files are moved
 * into place under the registry's lock, so two servers starting at once agree on one pair.
 */
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { missingTool } from '../../native/host-tool.js';
import { cloudletDirLayout, withRegistryLock, type CloudletDirOptions } from '../base/index.js';
import { fingerprint } from '../customize/ssh-fingerprint.js';
import { PRIVATE_MODE } from '../files/index.js';
import { TlsIdentityError } from './errors.js';
import { serverDir } from './token-store.js';

/** The server's certificate and key, and the fingerprint clients pin. */
export interface TlsIdentity {
  cert: Buffer;
  key: Buffer;
  /** `SHA256:…` of the DER certificate: what clients pass to --pin. */
  fingerprint: string;
  certFile: string;
  keyFile: string;
  /** True when the pair is the self-signed one made here (now or at an earlier start). */
  selfSigned: boolean;
}

/** Where an operator's pair comes from; without both, the self-signed pair of the cloudlet directory. */
export interface TlsIdentityOptions extends CloudletDirOptions {
  certFile?: string;
  keyFile?: string;
}

/** @example const { cert, key, fingerprint } = await loadTlsIdentity({ cloudletDir }); */
export async function loadTlsIdentity(options: TlsIdentityOptions = {}): Promise<TlsIdentity> {
  if (options.certFile !== undefined || options.keyFile !== undefined) {
    if (options.certFile === undefined || options.keyFile === undefined) throw new TlsIdentityError(options.certFile ?? options.keyFile!, 'give both --cert and --key, or neither for a self-signed pair');
    return readPair(options.certFile, options.keyFile, false);
  }
  const dir = await serverDir(options);
  const certFile = join(dir, 'tls-cert.pem');
  const keyFile = join(dir, 'tls-key.pem');
  if (!(await exists(certFile))) await withRegistryLock(cloudletDirLayout(options).lock, () => makePair(dir, certFile, keyFile));
  return readPair(certFile, keyFile, true);
}

/**
 * The pair `loadTlsIdentity` would load, without making one: undefined when the self-signed pair
 * was not made yet (no server started with it). For `cloudlet serve --print-fingerprint`, which a
 * client reads over an already-authenticated channel (SSH) to pin without trusting a first use.
 */
export async function existingTlsIdentity(options: TlsIdentityOptions = {}): Promise<TlsIdentity | undefined> {
  if (options.certFile === undefined && options.keyFile === undefined && !(await exists(join(cloudletDirLayout(options).root, 'server', 'tls-cert.pem')))) return undefined;
  return loadTlsIdentity(options);
}

/** The fingerprint clients pin: `SHA256:` and the unpadded base64 SHA-256 of the DER certificate. */
export function certificateFingerprint(certPem: Buffer | string): string {
  return fingerprint(new X509Certificate(certPem).raw);
}

async function readPair(certFile: string, keyFile: string, selfSigned: boolean): Promise<TlsIdentity> {
  const read = (file: string) => readFile(file).catch((error: Error) => {
    throw new TlsIdentityError(file, `cannot be read (${error.message})`, { cause: error });
  });
  const [cert, key] = [await read(certFile), await read(keyFile)];
  let print: string;
  try {
    print = certificateFingerprint(cert);
  } catch (error) {
    throw new TlsIdentityError(certFile, 'is not a PEM certificate', { cause: error });
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TlsIdentityError(keyFile, `is not the key of ${certFile} (${(error as Error).message})`, { cause: error });
  }
  return { cert, key, fingerprint: print, certFile, keyFile, selfSigned };
}

async function makePair(dir: string, certFile: string, keyFile: string): Promise<void> {
  if (await exists(certFile)) return;
  const work = await mkdtemp(join(dir, '.tls-'));
  try {
    const name = hostname();
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-subj', `/CN=${name.replace(/[/=]/g, '-')}`, '-addext', `subjectAltName=DNS:${name},DNS:localhost,IP:127.0.0.1,IP:::1`,
      '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')];
    await execa('openssl', args, { stdin: 'ignore' }).catch((error: unknown) => {
      throw missingTool(error, 'openssl') ?? new TlsIdentityError(certFile, `openssl could not make a self-signed certificate (${(error as { stderr?: string }).stderr?.trim() || (error as Error).message})`, { cause: error });
    });
    await chmod(join(work, 'key.pem'), PRIVATE_MODE);
    await chmod(join(work, 'cert.pem'), PRIVATE_MODE);
    // The key first: a crash in between leaves no certificate, so the next start makes a new pair.
    await rename(join(work, 'key.pem'), keyFile);
    await rename(join(work, 'cert.pem'), certFile);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
