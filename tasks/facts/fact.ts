// A fact is a read-only command plus a pure parser (pyinfra's model). Facts are cached
// per host for the run, so many steps can ask without running the command again.
import type { Command } from '../command/command.js';

/** A read-only probe of a host: a command and a pure parser of its output. Declare one with defineFact. */
export interface Fact<T> {
  readonly name: string;
  readonly command: Command;
  /** Parses the command's output; exit code given for facts where failure is an answer. */
  parse(stdout: string, exitCode: number): T;
}

/** Declares a fact. @example defineFact({ name: 'arch', command: sh`uname -m`, parse: (out) => out.trim() }) */
export function defineFact<T>(fact: Fact<T>): Fact<T> {
  return fact;
}
