import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { raw, secret, sh } from '../../../tasks/command/command.js';
import { Masker } from '../../../tasks/command/masker.js';
import { quoteWord } from '../../../native/shell-quote.js';

function shellEcho(text: string): string {
  return execFileSync('sh', ['-c', `printf '%s\\n' ${text}`], { encoding: 'utf8' });
}

describe('sh template', () => {
  it('quotes every interpolated value so the shell sees it as one word', () => {
    const hostile = [`a b`, `$(touch /tmp/pwned)`, `'; rm -rf / #`, `back\\slash`, `new\nline`, '', '*'];
    for (const value of hostile) {
      assert.equal(shellEcho(sh`${value}`.text), `${value}\n`);
    }
  });

  it('expands arrays into several quoted words', () => {
    assert.equal(sh`apt-get install -y ${['qemu-utils', 'a b']}`.text, "apt-get install -y qemu-utils 'a b'");
  });

  it('keeps secrets in the text and lists them for masking', () => {
    const command = sh`login --token ${secret('s3cr3t value')}`;
    assert.equal(command.text, "login --token 's3cr3t value'");
    assert.deepEqual(command.secrets, ['s3cr3t value']);
    const outer = sh`sudo ${command}`;
    assert.deepEqual(outer.secrets, ['s3cr3t value']);
  });

  it('inserts raw fragments and nested commands unquoted', () => {
    assert.equal(sh`ls ${raw('2>&1')} | ${sh`grep ${'x y'}`}`.text, "ls 2>&1 | grep 'x y'");
  });

  it('leaves safe words bare and quotes the empty string', () => {
    assert.equal(quoteWord('/etc/fuse.conf'), '/etc/fuse.conf');
    assert.equal(quoteWord(''), "''");
  });
});

describe('Masker', () => {
  it('hides every registered secret, longest first', () => {
    const masker = new Masker();
    masker.add('pass', 'password123');
    assert.equal(masker.mask('password123 and pass'), '*** and ***');
  });

  it('masks strings deep inside objects and arrays', () => {
    const masker = new Masker();
    masker.add('hunter2');
    assert.deepEqual(masker.maskDeep({ a: ['x hunter2'], b: { c: 'hunter2' }, n: 3 }), { a: ['x ***'], b: { c: '***' }, n: 3 });
  });

  it('shows a Secret as *** when printed or serialized', () => {
    const value = secret('abc');
    assert.equal(`${value}`, '***');
    assert.equal(JSON.stringify({ value }), '{"value":"***"}');
  });
});
