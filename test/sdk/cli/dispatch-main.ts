// The VM commands as a process of their own, as sdk/cli.ts will run them, for tests that send real signals.
import { dispatch } from '../../../sdk/cli/index.js';

process.exitCode = await dispatch(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
