import { memberNameProblem } from '../../zip/member-name.js';
import { MemberNameError } from './errors.js';

/**
 * Refuses, as a MemberNameError, any member name the SDK's zip rule (sdk/zip/member-name.ts) refuses.
 *
 * @example checkMemberName(Buffer.from('overlay-meta')) // → 'overlay-meta'
 */
export function checkMemberName(raw: Buffer): string {
  const name = raw.toString('latin1');
  const problem = memberNameProblem(raw);
  if (problem !== undefined) throw new MemberNameError(name, problem);
  return name;
}
