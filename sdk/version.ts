// The package version, read from package.json so there is one source of truth.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version of the installed cloudlet-tasks package, e.g. "0.1.0". */
export function packageVersion(): string {
  if (cached === undefined) {
    // Compiled files live in dist/sdk/, so package.json is two levels up; run from source (tsx), one.
    const compiled = import.meta.url.includes('/dist/');
    const url = new URL(compiled ? '../../package.json' : '../package.json', import.meta.url);
    cached = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return cached;
}
