/** Errors of downloading an overlay from an http(s) URL: each names the URL, what went wrong and what to change. */
import { LaunchError } from './errors.js';

/** An overlay URL that could not be fetched: bad scheme, HTTP error, or the connection failed; the root of the download errors. */
export class OverlayDownloadError extends LaunchError {
  static override readonly code: string = 'launch-overlay-download';
  constructor(readonly url: string, readonly problem: string, readonly status?: number) {
    super(`cannot download the overlay ${url}: ${problem}`);
  }
}

/** The download took longer than its overall limit, or the server sent nothing for longer than the idle limit. */
export class DownloadTimeoutError extends OverlayDownloadError {
  static override readonly code: string = 'launch-overlay-download-timeout';
  constructor(url: string, readonly limit: 'total' | 'idle', readonly ms: number, readonly received: number) {
    super(url, limit === 'total'
      ? `it took longer than ${ms / 1000} s (${received} bytes so far); raise --download-timeout for a slow link`
      : `the server sent nothing for ${ms / 1000} s (${received} bytes so far); try again, or raise --download-idle-timeout`);
  }
}

/** A redirect that is not followed: to plain http from https, to another scheme, unreadable, or one too many. */
export class DownloadRedirectError extends OverlayDownloadError {
  static override readonly code: string = 'launch-overlay-download-redirect';
  constructor(url: string, readonly reason: 'downgrade' | 'scheme' | 'location' | 'too-many', readonly location: string, readonly limit: number) {
    super(url, {
      downgrade: `it redirects from https to plain http (${location}), refused since the overlay would travel unprotected; give an https URL that does not`,
      scheme: `it redirects to ${location}, which is not http(s)`,
      location: `it redirects to ${JSON.stringify(location)}, which is no URL`,
      'too-many': `it redirects more than ${limit} times (last to ${location}): a loop? give the final URL`,
    }[reason]);
  }
}

/** The URL's host is, or resolves to, a private, loopback or link-local address and downloads were restricted to public ones. */
export class DownloadAddressError extends OverlayDownloadError {
  static override readonly code: string = 'launch-overlay-download-address';
  constructor(url: string, readonly host: string, readonly address: string) {
    super(url, `${host} is ${host === address ? 'a' : `at ${address}, a`} private, loopback or link-local address, refused by --public-only; fetch internal overlays without it`);
  }
}

/** The overlay is larger than the download may be: the caller's cap, or the most an overlay of this base can hold. */
export class DownloadTooLargeError extends OverlayDownloadError {
  static override readonly code: string = 'launch-overlay-download-too-large';
  constructor(url: string, readonly limit: number, readonly declared: number | undefined, status: number) {
    super(url, declared !== undefined
      ? `the server says it is ${declared} bytes, more than the limit of ${limit}`
      : `it sent more than the limit of ${limit} bytes`, status);
  }
}

/** The overlay changed on the server between a dropped connection and its resume: its ETag or Last-Modified differs, or the server sent the whole new file. Nothing of it was used. */
export class OverlayChangedError extends OverlayDownloadError {
  static override readonly code: string = 'launch-overlay-download-changed';
  constructor(url: string, readonly received: number, readonly detail: string) {
    super(url, `it changed on the server while it was fetched (${detail}) after ${received} bytes; nothing of it was used: synthesize again`);
  }
}

/** The connection dropped and the server cannot resume: no Range support, or no strong ETag or Last-Modified to prove the file is the same. */
export class DownloadResumeError extends OverlayDownloadError {
  static override readonly code: string = 'launch-overlay-download-resume';
  constructor(url: string, readonly received: number, readonly reason: 'no-range' | 'no-validator' | 'too-many') {
    super(url, `the connection dropped after ${received} bytes and ${{
      'no-range': 'the server does not support Range requests (Accept-Ranges: none, or it answered a Range request with the whole file), so the fetch cannot resume; try again, or serve the overlay from a server with Range support',
      'no-validator': 'the server sent neither a strong ETag nor Last-Modified, so a resumed fetch could not be checked to be the same file; try again, or serve it with an ETag',
      'too-many': 'resuming failed too many times; check the link and try again',
    }[reason]}`);
  }
}
