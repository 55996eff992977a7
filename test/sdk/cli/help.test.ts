import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { COMMANDS, UsageError, type CliIo } from '../../../sdk/cli/index.js';
import { defineCommand } from '../../../sdk/cli/command.js';
import { cloudlet } from './cli-harness.js';

// The executable itself, from source (tsx) or compiled (dist/test), as cli-harness runs dispatch-main.
const CLI = fileURLToPath(new URL(`../../../sdk/cli.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
const executable = (...args: string[]) => execa(process.execPath, [...(import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : []), CLI, ...args], { reject: false });

/** `--name` in a usage as a whole option: `[--name` followed by its value or the bracket. */
const mentions = (usage: string, option: string) => new RegExp(`\\[--${option}[ \\]]`).test(usage);

describe('cloudlet COMMAND --help', () => {
  for (const command of COMMANDS) {
    it(`${command.name}: exit 0 and its usage on stdout, naming every option`, async () => {
      for (const flag of ['--help', '-h']) {
        const run = await cloudlet([command.name, flag], { env: { CLOUDLET_DIR: '/nonexistent/cloudlet' } });
        assert.equal(run.code, 0, `${flag}: ${run.stderr}`);
        assert.equal(run.stderr, '');
        assert.ok(run.stdout.startsWith(`usage: cloudlet ${command.usage}\n${command.summary}\n`), run.stdout);
        for (const option of Object.keys(command.options)) assert.ok(mentions(command.usage, option), `${command.name} usage lacks --${option}: ${command.usage}`);
      }
    });
  }

  it('the executable routes --help to every command (doctor and info-overlay too)', async () => {
    const runs = await Promise.all(COMMANDS.map(async (command) => ({ command, run: await executable(command.name, '--help') })));
    for (const { command, run } of runs) {
      assert.equal(run.exitCode, 0, `${command.name}: ${run.stderr}`);
      assert.ok(run.stdout.startsWith(`usage: cloudlet ${command.usage}\n`), run.stdout);
    }
  });

  it('cloudlet --help lists every command with its usage', async () => {
    const run = await executable('--help');
    assert.equal(run.exitCode, 0);
    for (const command of COMMANDS) assert.ok(run.stdout.includes(`cloudlet ${command.usage}\n`), `${command.name} missing from:\n${run.stdout}`);
  });
});

describe('defineCommand', () => {
  const io = {} as CliIo;
  const command = defineCommand({
    name: 'demo',
    summary: 'a command for the test',
    operands: ['<a>', '[<b>]'],
    options: { level: { type: 'string', placeholder: '0-9' }, tag: { type: 'string', multiple: true, default: [] }, json: { type: 'boolean', default: false } },
    run: async ({ values, positionals }) => positionals.length * 10 + values.tag.length,
  });

  it('derives the usage from the operands and options it parses', () => {
    assert.equal(command.usage, 'demo <a> [<b>] [--level 0-9] [--tag TAG ...] [--json]');
  });

  it('parses before running: bracketed operands are optional, others required', async () => {
    assert.equal(await command.run(['x', '--tag', 'p', '--tag', 'q'], io), 12);
    assert.equal(await command.run(['x', 'y'], io), 20);
    for (const args of [[], ['x', 'y', 'z'], ['x', '--bogus'], ['x', '--level']]) await assert.rejects(command.run(args, io), UsageError, args.join(' '));
  });
});
