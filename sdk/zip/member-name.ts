/**
 * The zip member names we accept, one rule for every zip the SDK reads or writes: overlay packages
 * (sdk/overlay/package) and base archives (sdk/base). Each caller turns a problem into its own
 * typed error. Names are judged as raw bytes, so no decoding can hide a `/`; the rule is the
 * stricter of the two it replaced: no `..` anywhere in a name, and nothing outside `!` … `~`.
 */

/** Longest member name accepted; our names are short, and the bound keeps a central directory small. */
export const MAX_MEMBER_NAME_BYTES = 255;

/** Why a name is refused; `non-printable` is any byte outside `!` … `~` (control, space, non-ASCII). */
export type MemberNameProblem =
  | 'empty' | 'too-long' | 'nul' | 'absolute' | 'slash' | 'backslash' | 'dot-dot' | 'non-printable';

/**
 * What is wrong with a member name that a careless extractor could turn into a path outside its
 * directory, or that would print confusingly; undefined for a safe name.
 *
 * @example memberNameProblem(Buffer.from('../disk.raw')) // → 'dot-dot'
 */
export function memberNameProblem(raw: Buffer): MemberNameProblem | undefined {
  const name = raw.toString('latin1');
  if (raw.length === 0) return 'empty';
  if (raw.length > MAX_MEMBER_NAME_BYTES) return 'too-long';
  if (raw.includes(0)) return 'nul';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'absolute';
  if (name.includes('..')) return 'dot-dot';
  if (name.includes('/')) return 'slash';
  if (name.includes('\\')) return 'backslash';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'non-printable';
  return undefined;
}
