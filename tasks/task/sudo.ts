// sudo without surprises: once per host we learn whether sudo needs a password, then
// run `sudo -n` (passwordless) or `sudo -k -S -p <nonce prompt>` and answer the prompt
// ourselves, so the password never appears in a command line, a log or the output.
import { randomBytes } from 'node:crypto';
import { raw, sh, type Command } from '../command/command.js';
import type { Connection, PromptResponder } from '../connection/connection.js';
import { SudoError } from '../errors.js';

export type SudoMode = 'passwordless' | 'password';

const NOT_ALLOWED = /not in the sudoers|is not allowed to (execute|run)|may not run sudo/i;

/** Asks the host (once) how sudo works there for the login user. */
export async function probeSudo(connection: Connection, password: string | undefined): Promise<SudoMode> {
  const host = connection.host.name;
  const probe = await connection.exec('sudo -n true', { display: 'sudo -n true' });
  if (probe.exitCode === 0) return 'passwordless';
  if (probe.exitCode === 127 || /command not found/.test(probe.stderr)) {
    throw new SudoError(host, 'not-allowed');
  }
  if (NOT_ALLOWED.test(probe.stderr)) throw new SudoError(host, 'not-allowed');
  if (password === undefined) throw new SudoError(host, 'password-required');
  return 'password';
}

export interface SudoInvocation {
  readonly command: Command;
  readonly responder?: PromptResponder;
}

/** Wraps shell text so it runs as `user` (root by default) through sudo. */
export function sudoInvocation(mode: SudoMode, text: string, password: string | undefined, user?: string): SudoInvocation {
  const asUser = user ? sh`-u ${user}` : raw('');
  if (mode === 'passwordless') return { command: sh`sudo -n ${asUser} -- sh -c ${text}` };
  const prompt = `[cloudlet-tasks sudo ${randomBytes(6).toString('hex')}]`;
  return {
    command: sh`sudo -k -S -p ${prompt} ${asUser} -- sh -c ${text}`,
    responder: { prompt, answer: password ?? '' },
  };
}

/** Turns sudo's own refusals into a typed error; returns quietly when the command itself ran. */
export function checkSudoOutcome(host: string, stderr: string, answerRefused: boolean): void {
  if (answerRefused) throw new SudoError(host, 'wrong-password');
  if (NOT_ALLOWED.test(stderr)) throw new SudoError(host, 'not-allowed');
}
