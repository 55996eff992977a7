import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../tasks/errors.js';
import { expandProxyCommand } from '../../../tasks/inventory/proxy-command.js';

const tokens = { host: '192.0.2.5', port: 2222, user: 'ops', name: 'web1' };

describe('ProxyCommand tokens', () => {
  it('expands %h %p %r %n and %%, and leaves other tokens alone', () => {
    assert.equal(expandProxyCommand('relay %h %p %r %n 100%% %C', tokens), 'relay 192.0.2.5 2222 ops web1 100% %C');
  });

  it('refuses a used token holding shell characters or starting with a dash, naming the host', () => {
    for (const bad of [{ host: 'x;reboot' }, { user: '$(id)' }, { host: '-oProxyCommand=x' }, { name: 'a b' }]) {
      assert.throws(() => expandProxyCommand('nc %h %p %r %n', { ...tokens, ...bad }), (error: unknown) => error instanceof UsageError && /ProxyCommand/.test(error.message));
    }
    assert.equal(expandProxyCommand('nc %h %p', { ...tokens, user: '$(id)' }), 'nc 192.0.2.5 2222');
  });
});
