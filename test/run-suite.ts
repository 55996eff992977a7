// `npm test`: every test file, in three streams at once, each stream one file at a time. The SSH lab
// tests (test/tasks, test/fixtures/hosts, test/playbooks, test/api) mostly wait on hosts in
// namespaces; those among them that deploy the SDK onto cloudlet hosts (each host with its own
// libvirtd, VMs resumed inside) take minutes each, so they are a stream of their own; the VM tests
// (test/sdk, test/native, the guest fixtures) mostly wait on QEMU. They share nothing but this
// machine's libvirtd, which is started here (if none runs) before any stream and stopped after all,
// so no test stops the daemon another stream is using.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LibvirtDaemons } from './fixtures/guest/index.js';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const LAB = ['tasks/', 'fixtures/hosts/', 'playbooks/', 'api/'];

interface Stream {
  readonly name: string;
  readonly files: string[];
}

function testFiles(): string[] {
  return readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.test.js')).sort();
}

/** Runs one stream's files with node's test runner; its lines go to stdout prefixed with the stream's name. */
function runStream(stream: Stream): Promise<{ code: number; summary: string[] }> {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...stream.files.map((file) => join(ROOT, file))], { stdio: ['ignore', 'pipe', 'pipe'] });
  const summary: string[] = [];
  const prefix = (source: NodeJS.ReadableStream): void => {
    let rest = '';
    source.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        process.stdout.write(`[${stream.name}] ${line}\n`);
        if (/^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line)) summary.push(line);
      }
    });
    source.on('end', () => rest && process.stdout.write(`[${stream.name}] ${rest}\n`));
  };
  prefix(child.stdout);
  prefix(child.stderr);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, summary })));
}

const files = testFiles();
const lab = files.filter((file) => LAB.some((dir) => file.startsWith(dir)));
// Found by what they do, so a new such test joins the stream without a list to keep.
const deploys = (file: string): boolean => readFileSync(join(ROOT, file), 'utf8').includes('deployCloudlet(');
const streams: Stream[] = [
  { name: 'lab', files: lab.filter((file) => !deploys(file)) },
  { name: 'cloudlet', files: lab.filter(deploys) },
  { name: 'vm', files: files.filter((file) => !LAB.some((dir) => file.startsWith(dir))) },
];
const daemons = await LibvirtDaemons.ensure();
let results: { code: number; summary: string[] }[];
try {
  results = await Promise.all(streams.map(runStream));
} finally {
  await daemons.stop();
}
for (const [index, stream] of streams.entries()) {
  process.stdout.write(`\n${stream.name}: ${stream.files.length} files (${relative(process.cwd(), ROOT)})\n${results[index]!.summary.map((line) => `  ${line}`).join('\n')}\n`);
}
process.exitCode = results.some((result) => result.code !== 0) ? 1 : 0;
