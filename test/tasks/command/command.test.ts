import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { raw, secret, sh, toCommand } from '../../../tasks/command/command.js';
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

  it('quotes data shaped like a command (an inventory map) as one word: only commands made by sh nest', () => {
    const planted = { text: 'echo hi; touch /tmp/pwned', secrets: [] };
    const command = sh`printf '%s\n' ${planted as unknown as string}`;
    assert.equal(execFileSync('sh', ['-c', command.text], { encoding: 'utf8' }), `${JSON.stringify(planted)}\n`);
    assert.equal(sh`a ${sh`b ${'c d'}`} ${toCommand('e | f')}`.text, "a b 'c d' e | f");
    assert.throws(() => Object.assign(sh`x`, { text: 'y' }), TypeError);
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

  it('hides a secret in every form: quoted by sh and by each sh -c around it, JSON-escaped, base64, line by line', () => {
    const value = `it's "x" $y \\ ü😀\nsecond line`;
    const masker = new Masker();
    masker.add(value);
    const quoted = sh`${secret(value)}`.text;
    const twice = sh`sh -c ${`echo ${quoted}`}`.text;
    const forms = [
      value,
      quoted,
      twice,
      sh`sudo -n -- sh -c ${twice}`.text,
      JSON.stringify(value),
      JSON.stringify(quoted),
      JSON.stringify(value).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      Buffer.from(value).toString('base64'),
      ...value.split('\n'),
    ];
    for (const form of forms) {
      const masked = masker.mask(`<${form}>`);
      assert.ok(!/second line|ü|it'|aXQn/.test(masked), `${form} -> ${masked}`);
    }
    assert.equal(masker.mask(`echo ${quoted}`), 'echo ***');
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
