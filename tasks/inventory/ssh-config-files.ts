// An ssh_config file as one text, its Include directives replaced by the files they name,
// and the Host aliases it defines. OpenSSH resolves hosts itself (`ssh -G`, see
// openssh-config.ts); this text serves the fallback parser where ssh is missing, and the
// alias list, which OpenSSH cannot print. Include follows OpenSSH: paths after ~ expansion,
// relative ones under ~/.ssh, globs sorted, no match is no error, at most 16 levels deep.
// The included text takes the place of the Include line, so an Include inside a Host block
// is not conditional as in OpenSSH.
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { SshConfigError } from '../errors.js';

const MAX_DEPTH = 16;
const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;

function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function globPart(part: string): RegExp | undefined {
  if (!/[*?[]/.test(part)) return undefined;
  const source = part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** The existing files an Include argument names, in glob(3) order. */
async function expand(pattern: string): Promise<string[]> {
  const absolute = pattern.replace(/^~(?=$|\/)/, homedir());
  const full = isAbsolute(absolute) ? absolute : join(homedir(), '.ssh', absolute);
  let paths = ['/'];
  for (const part of full.split('/').filter(Boolean)) {
    const regex = globPart(part);
    const next: string[] = [];
    for (const dir of paths) {
      if (!regex) next.push(join(dir, part));
      else {
        const names = await readdir(dir).catch(() => [] as string[]);
        next.push(...names.filter((name) => regex.test(name) && (part.startsWith('.') || !name.startsWith('.'))).sort().map((name) => join(dir, name)));
      }
    }
    paths = next;
  }
  return paths;
}

async function inline(file: string, depth: number, root: string): Promise<string> {
  if (depth > MAX_DEPTH) throw new SshConfigError(root, `Include nested more than ${MAX_DEPTH} levels deep at ${file}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // A file named by Include that is missing or unreadable is skipped, as OpenSSH does.
    if (depth > 0) return '';
    throw new SshConfigError(file, `cannot read it: ${(error as Error).message}`, { cause: error });
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const include = INCLUDE.exec(line);
    if (!include) {
      out.push(line);
      continue;
    }
    for (const pattern of words(include[1]!)) {
      for (const path of await expand(pattern)) out.push(await inline(path, depth + 1, root));
    }
  }
  return out.join('\n');
}

/** The text of `file` with every Include replaced by what it includes. */
export function readSshConfigText(file: string): Promise<string> {
  return inline(file, 0, file);
}

/** Names written on Host lines without wildcards or negation: the aliases an operator can type. */
export function hostAliases(config: SSHConfig): Set<string> {
  const aliases = new Set<string>();
  for (const line of config) {
    if (line.type !== SSHConfig.DIRECTIVE || !/^host$/i.test(line.param)) continue;
    const values = Array.isArray(line.value) ? line.value.map((v) => v.val) : words(String(line.value));
    for (const value of values) if (!/[*?!]/.test(value)) aliases.add(value);
  }
  return aliases;
}
