// An ssh_config ProxyCommand made ready to run for one host: %h (address), %p (port),
// %r (user), %n (the name as typed) and %% expanded, as OpenSSH does, without quoting.
// OpenSSH refuses host and user names with shell characters before it runs a ProxyCommand;
// so does this, since the command goes to `sh -c`.
import { UsageError } from '../errors.js';

export interface ProxyTokens {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly name: string;
}

const UNSAFE = /['`"$\\;&<>|(){}\s\p{Cc}]/u;

export function expandProxyCommand(template: string, tokens: ProxyTokens): string {
  const values: Record<string, string> = { h: tokens.host, p: String(tokens.port), r: tokens.user, n: tokens.name, '%': '%' };
  return template.replace(/%(.)/g, (whole, token: string) => {
    const value = values[token];
    if (value === undefined) return whole;
    if (token !== '%' && (UNSAFE.test(value) || value.startsWith('-'))) {
      throw new UsageError(`${tokens.name}: refusing to run its ProxyCommand with %${token} = '${value}': it holds characters the shell would interpret`);
    }
    return value;
  });
}
