// /etc/os-release as a fact: which distribution and version the host runs.
import { sh } from '../command/command.js';
import { defineFact } from './fact.js';

/** The osRelease fact. */
export interface OsRelease {
  readonly id: string;
  readonly idLike: readonly string[];
  readonly versionId: string;
  readonly prettyName: string;
  readonly codename: string;
}

function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/.exec(value);
  return match ? match[2]!.replace(/\\(["'$`\\])/g, '$1') : value;
}

export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) fields.set(match[1]!, unquote(match[2]!));
  }
  return {
    id: fields.get('ID') ?? 'linux',
    idLike: (fields.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean),
    versionId: fields.get('VERSION_ID') ?? '',
    prettyName: fields.get('PRETTY_NAME') ?? fields.get('NAME') ?? 'Linux',
    codename: fields.get('VERSION_CODENAME') ?? '',
  };
}

/** A fact: /etc/os-release: distribution ID, version and codename. Read it in a task with `await ctx.fact(osRelease)`. */
export const osRelease = defineFact({
  name: 'os-release',
  command: sh`cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release`,
  parse: (stdout) => parseOsRelease(stdout),
});
