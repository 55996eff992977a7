// The token for a host's synthesis server, read from a file on the operator's machine (never a
// command-line argument, which `ps` shows every user, and never printed).
import { readFile } from 'node:fs/promises';
import { TOKEN_SHAPE } from '../../sdk/server/token-store.js';
import { ServerTokenFileError } from './errors.js';

/** The one-line token in `file`; ServerTokenFileError when it is missing, unreadable or no token. */
export async function readServerToken(host: string, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ServerTokenFileError(host, file, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`);
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token)) throw new ServerTokenFileError(host, file, 'holds no token');
  return token;
}
