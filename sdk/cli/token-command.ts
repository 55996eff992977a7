/**
 * `cloudlet token create NAME | list | revoke NAME`: the synthesis server's API tokens. `create`
 * prints the token on stdout, alone on its line, the only time it is shown (`… > ci.token`); only
 * its hash is kept. A revocation holds for the running server from its next request on.
 */
import { TokenStore } from '../server/index.js';
import { COMMON_OPTIONS, defineCommand, sdkOptions, UsageError } from './command.js';
import { renderer } from './render-progress.js';
import { formatTable } from './table.js';

export const tokenCommand = defineCommand({
  name: 'token',
  summary: 'make, list or revoke the tokens clients of cloudlet serve authenticate with',
  operands: ['<create|list|revoke>', '[<name>]'],
  options: { ...COMMON_OPTIONS },
  async run({ values, positionals }, io) {
    const [action, name] = positionals as [string, string | undefined];
    const store = await TokenStore.open(sdkOptions(values, io));
    const render = renderer(io, values.json);
    if (action === 'list') {
      if (name !== undefined) throw new UsageError(`unexpected argument '${name}'`);
      const tokens = await store.list();
      if (values.json) io.stdout.write(`${JSON.stringify(tokens)}\n`);
      else io.stdout.write(tokens.length === 0 ? 'no tokens (cloudlet token create NAME makes one)\n' : formatTable(['NAME', 'CREATED'], tokens.map((t) => [t.name, t.createdAt])));
      return 0;
    }
    if (action !== 'create' && action !== 'revoke') throw new UsageError(`unknown action '${action}': create, list or revoke`);
    if (name === undefined) throw new UsageError(`token ${action} needs the token's name`);
    if (action === 'revoke') {
      await store.revoke(name);
      render.result([`token '${name}' revoked; a running cloudlet serve refuses it from its next request on`], { revoked: { name } });
      return 0;
    }
    const token = await store.create(name);
    if (!values.json) io.stderr.write(`token '${name}' created; it is shown only this once: keep it in a file only its user reads (chmod 600), for cloudlet synthesis --server … --token-file FILE\n`);
    render.result([token], { token: { name, token } });
    return 0;
  },
});
