// The authentication methods offered to a host, in OpenSSH's order: ssh-agent keys,
// then key files, then password (also as keyboard-interactive, which PAM servers use).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import ssh2, { type AnyAuthMethod, type KeyboardInteractiveCallback, type Prompt } from 'ssh2';

export interface AuthMethod {
  readonly label: string;
  readonly auth: AnyAuthMethod;
}

/** How connectSsh authenticates besides key files: an ssh-agent socket and a password. */
export interface AuthSettings {
  readonly agentSocket?: string;
  readonly password?: string;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => `${homedir()}/.ssh/${name}`);

function expandHome(path: string): string {
  return path.replace(/^~(?=$|\/)/, homedir());
}

/** Builds the list of methods; unusable key files are listed as skipped so the error can say why. */
export async function authMethods(user: string, identityFiles: readonly string[], settings: AuthSettings): Promise<{ methods: AuthMethod[]; skipped: string[] }> {
  const methods: AuthMethod[] = [];
  const skipped: string[] = [];
  if (settings.agentSocket) methods.push({ label: 'ssh-agent', auth: { type: 'agent', username: user, agent: settings.agentSocket } });
  const explicit = identityFiles.length > 0;
  const files = [...new Set((explicit ? identityFiles : DEFAULT_KEYS).map(expandHome))];
  for (const file of files) {
    let text: Buffer;
    try {
      text = await readFile(file);
    } catch (error) {
      if (explicit) skipped.push(`key ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      continue;
    }
    const parsed = ssh2.utils.parseKey(text);
    if (parsed instanceof Error) {
      skipped.push(`key ${file} (${/encrypted/i.test(parsed.message) ? 'encrypted: add it to ssh-agent' : parsed.message})`);
      continue;
    }
    methods.push({ label: `key ${file}`, auth: { type: 'publickey', username: user, key: text } });
  }
  const password = settings.password;
  if (password !== undefined) {
    methods.push({ label: 'password', auth: { type: 'password', username: user, password } });
    methods.push({
      label: 'keyboard-interactive',
      auth: {
        type: 'keyboard-interactive',
        username: user,
        prompt: (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) =>
          finish(prompts.map(() => password)),
      },
    });
  }
  return { methods, skipped };
}
