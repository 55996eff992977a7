import { MemberNameError } from './errors.js';

/** Longest member name accepted; overlay names are short, and the bound keeps the central directory small. */
export const MAX_MEMBER_NAME_BYTES = 255;

/**
 * Refuses any member name that a careless extractor could turn into a path outside its directory,
 * or that would print confusingly. Names are compared as raw bytes, so no decoding can hide a `/`.
 *
 * @example checkMemberName(Buffer.from('overlay-meta')) // → 'overlay-meta'
 */
export function checkMemberName(raw: Buffer): string {
  const name = raw.toString('latin1');
  if (raw.length === 0) throw new MemberNameError(name, 'empty');
  if (raw.length > MAX_MEMBER_NAME_BYTES) throw new MemberNameError(name, 'too-long');
  if (raw.includes(0)) throw new MemberNameError(name, 'nul');
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    throw new MemberNameError(name, 'absolute');
  }
  if (name.includes('/')) throw new MemberNameError(name, 'slash');
  if (name.includes('\\')) throw new MemberNameError(name, 'backslash');
  if (name.includes('..')) throw new MemberNameError(name, 'dot-dot');
  if (!/^[\x20-\x7e]+$/.test(name)) throw new MemberNameError(name, 'non-printable');
  return name;
}
