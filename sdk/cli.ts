#!/usr/bin/env node
// Entry point of the `cloudlet` executable, the SDK's command on cloudlet hosts.
import { COMMANDS, commandHelp, dispatch } from './cli/index.js';
import { doctor, formatDoctorReport } from './doctor/index.js';
import { INFO_OVERLAY_COMMAND, runInfoOverlay } from './overlay/index.js';
import { packageVersion } from './version.js';

const HELP = `cloudlet ${packageVersion()}: VM synthesis on a cloudlet host

usage: cloudlet COMMAND [options]

commands:
${commandHelp()}
  doctor      what works on this host: KVM or TCG, QEMU, libvirt, FUSE, free space
              cloudlet doctor [--json]
  ${INFO_OVERLAY_COMMAND.name}  ${INFO_OVERLAY_COMMAND.summary}
              cloudlet ${INFO_OVERLAY_COMMAND.usage}
options:
  -V, --version     show the version
  -h, --help        show this help`;

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'doctor') {
    const unknown = rest.filter((arg) => arg !== '--json');
    if (unknown.length > 0) throw new Error(`doctor: unknown option '${unknown[0]}'`);
    const report = await doctor();
    process.stdout.write(rest.includes('--json') ? `${JSON.stringify(report)}\n` : `${formatDoctorReport(report)}\n`);
    return report.ok ? 0 : 1;
  }
  if (command === INFO_OVERLAY_COMMAND.name) return runInfoOverlay(rest, process);
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
