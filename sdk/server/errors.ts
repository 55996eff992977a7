/** Errors of the synthesis server (`cloudlet serve`, its tokens and TLS identity) and of its client. Each says what failed and what to do. */
import { CloudletError, type ErrorCategory } from '../errors/cloudlet-error.js';

/** The root of the synthesis server's and its client's errors. */
export class ServerError extends CloudletError {
  static override readonly code: string = 'server';
}

/** A token name that is not 1 to 64 letters, digits, `.`, `_` or `-` (it is written to logs and listings). */
export class TokenNameError extends ServerError {
  static override readonly code: string = 'server-token-name';
  override readonly category: ErrorCategory = 'usage';
  constructor(readonly tokenName: string) {
    super(`token name ${JSON.stringify(tokenName)} is not 1 to 64 letters, digits, '.', '_' or '-'`);
  }
}

/** `token create` of a name that has a token already. */
export class TokenExistsError extends ServerError {
  static override readonly code: string = 'server-token-exists';
  constructor(readonly tokenName: string) {
    super(`a token named '${tokenName}' exists already; revoke it first (cloudlet token revoke ${tokenName}) or choose another name`);
  }
}

/** `token revoke` of a name that has no token. */
export class TokenNotFoundError extends ServerError {
  static override readonly code: string = 'server-token-not-found';
  constructor(readonly tokenName: string, readonly file: string) {
    super(`no token named '${tokenName}' in ${file} (cloudlet token list shows them)`);
  }
}

/** The server's token file is not what `cloudlet token` writes: unreadable JSON, or entries without a name or hash. */
export class TokenFileError extends ServerError {
  static override readonly code: string = 'server-token-file';
  constructor(readonly file: string, readonly problem: string) {
    super(`the token file ${file} ${problem}; remove it and create the tokens again (cloudlet token create NAME)`);
  }
}

/** The server's certificate or key cannot be read or made (openssl failed), or they do not belong together. */
export class TlsIdentityError extends ServerError {
  static override readonly code: string = 'server-tls-identity';
  constructor(readonly file: string, readonly problem: string, options?: ErrorOptions) {
    super(`TLS identity ${file}: ${problem}`, options);
  }
}

/** The client could not reach the server or the TLS handshake failed (a certificate the CAs do not vouch for, without --pin). */
export class ServerUnreachableError extends ServerError {
  static override readonly code: string = 'server-unreachable';
  override readonly category: ErrorCategory = 'connection';
  constructor(readonly url: string, readonly problem: string, options?: ErrorOptions) {
    super(`cannot reach the synthesis server ${url}: ${problem}`, options);
  }
}

/** The server's certificate does not have the pinned SHA-256 fingerprint: nothing was sent to it, the token included. */
export class PinMismatchError extends ServerError {
  static override readonly code: string = 'server-pin-mismatch';
  override readonly category: ErrorCategory = 'connection';
  constructor(readonly url: string, readonly pinned: string, readonly actual: string) {
    super(`the server at ${url} presented a certificate with fingerprint ${actual}, not the pinned ${pinned}: nothing was sent to it; if the server's certificate was replaced, pin the fingerprint \`cloudlet serve\` prints`);
  }
}

/** The server answered with an HTTP error (401, 404, 413, 429, …) or an error line in its progress stream; `remoteCode` is the server-side error code. */
export class RemoteServerError extends ServerError {
  static override readonly code: string = 'server-remote-error';
  constructor(readonly url: string, readonly status: number, readonly remoteCode: string, readonly remoteMessage: string, readonly retryAfterSeconds?: number) {
    super(`the synthesis server ${url} answered ${status}: ${remoteMessage}${retryAfterSeconds !== undefined ? ` (try again in ${retryAfterSeconds} s)` : ''}`);
  }
}
