#!/usr/bin/env node
// Entry point of the `cloudlet` executable, the SDK's command on cloudlet hosts.
// VM commands arrive with the SDK core; for now it answers --version and --help.
import { packageVersion } from './version.js';

const HELP = `cloudlet ${packageVersion()}: VM synthesis on a cloudlet host

usage: cloudlet [--version] [--help] COMMAND

The VM commands (base, overlay, synthesis, info-overlay, doctor) are not built yet.`;

const [first] = process.argv.slice(2);
if (first === '--version' || first === '-V') {
  process.stdout.write(`${packageVersion()}\n`);
} else if (first === undefined || first === '--help' || first === '-h') {
  process.stdout.write(`${HELP}\n`);
} else {
  process.stderr.write(`cloudlet: unknown command '${first}' (see cloudlet --help)\n`);
  process.exitCode = 2;
}
