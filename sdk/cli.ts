#!/usr/bin/env node
// Entry point of the `cloudlet` executable, the SDK's command on cloudlet hosts.
import { COMMANDS, commandHelp, dispatch } from './cli/index.js';
import { packageVersion } from './version.js';

const HELP = `cloudlet ${packageVersion()}: VM synthesis on a cloudlet host

usage: cloudlet COMMAND [options]

commands:
${commandHelp()}
options:
  -V, --version     show the version
  -h, --help        show this help`;

async function main(args: readonly string[]): Promise<number> {
  const [command] = args;
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (COMMANDS.some((known) => known.name === command)) {
    return dispatch(args, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
  }
  process.stderr.write(`cloudlet: unknown command '${command}' (see cloudlet --help)\n`);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`cloudlet: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
