import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloudletError, errorData, UsageError } from '../../../sdk/errors/cloudlet-error.js';
import * as sdk from '../../../sdk/index.js';
import * as tasks from '../../../tasks/index.js';
import { UsageError as SdkCliUsageError } from '../../../sdk/cli/command.js';
import { CodecWorkerError } from '../../../sdk/overlay/compress/errors.js';

type ErrorClass = (abstract new (...args: never[]) => Error) & { readonly code?: unknown };

const DIST = fileURLToPath(new URL('../../../', import.meta.url));

/** Every class extending Error that a module of sdk/, native/ or tasks/ exports, by module. */
async function exportedErrorClasses(): Promise<Map<ErrorClass, string>> {
  const found = new Map<ErrorClass, string>();
  for (const dir of ['sdk', 'native', 'tasks']) {
    for (const file of readdirSync(join(DIST, dir), { recursive: true }) as string[]) {
      const path = join(DIST, dir, file);
      // Only modules that declare a class: importing the others could run a CLI or a build step.
      if (!path.endsWith('.js') || !/^export (abstract )?class \w+ extends/m.test(readFileSync(path, 'utf8'))) continue;
      collect(await import(pathToFileURL(path).href), `${dir}/${file}`, found);
    }
  }
  return found;
}

function collect(module: Record<string, unknown>, where: string, found: Map<ErrorClass, string>): void {
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === 'function' && value.prototype instanceof Error) found.set(value as ErrorClass, `${where} ${name}`);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) collect(value as Record<string, unknown>, `${where} ${name}.`, found);
  }
}

describe('CloudletError, the root of every error', () => {
  it('is the class of every exported error, each with its own unique non-empty kebab-case code', async () => {
    const classes = await exportedErrorClasses();
    const entryPoints = new Map<ErrorClass, string>();
    collect(sdk, 'sdk/index.js', entryPoints);
    collect(tasks, 'tasks/index.js', entryPoints);
    assert.ok(entryPoints.size >= 60, `the entry points export only ${entryPoints.size} error classes`);
    for (const [cls, where] of entryPoints) assert.ok(classes.has(cls), `${where} is found by the module walk`);
    assert.ok(classes.size >= 160, `found only ${classes.size} error classes`);
    const owners = new Map<string, string>();
    for (const [cls, where] of classes) {
      if (cls === CloudletError) continue;
      assert.ok(cls.prototype instanceof CloudletError, `${where} extends CloudletError`);
      assert.ok(Object.hasOwn(cls, 'code'), `${where} declares its own code`);
      assert.equal(typeof cls.code, 'string', where);
      assert.match(cls.code as string, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, where);
      assert.equal(owners.get(cls.code as string), undefined, `${where} shares code '${String(cls.code)}' with ${owners.get(cls.code as string)}`);
      owners.set(cls.code as string, where);
    }
  });

  it('documents every class and its code in sdk/errors/ERRORS.md', async () => {
    const documented = new Map<string, string>();
    for (const [, name, code] of readFileSync(join(DIST, '../sdk/errors/ERRORS.md'), 'utf8').matchAll(/^\| (\w+) \| `([a-z0-9-]+)` \|/gm)) documented.set(name!, code!);
    const actual = new Map([...(await exportedErrorClasses()).keys()].filter((cls) => cls !== CloudletError).map((cls) => [cls.name, cls.code as string]));
    assert.deepEqual(Object.fromEntries([...documented].sort()), Object.fromEntries([...actual].sort()));
  });

  it('gives an instance the name and code of the class thrown, and keeps its fields', () => {
    const error = new sdk.BaseVmMismatchError('wanted', 'got');
    assert.ok(error instanceof CloudletError);
    assert.equal(error.name, 'BaseVmMismatchError');
    assert.equal(error.code, 'overlay-wrong-base');
    assert.equal(error.category, 'task');
    assert.equal(error.expected, 'wanted');
    const refused = new tasks.ConnectionError('h', '10.0.0.1', 22, 'timed out', { retryable: true });
    assert.deepEqual([refused.name, refused.code, refused.category, refused.retryable], ['ConnectionError', 'host-unreachable', 'connection', true]);
  });

  it('is one UsageError for both CLIs: the runner usage errors and the SDK CLI one', () => {
    assert.equal(SdkCliUsageError, UsageError);
    assert.equal(tasks.UsageError, UsageError);
    const error = new tasks.UnknownTaskError('nope', ['install']);
    assert.ok(error instanceof UsageError);
    assert.deepEqual([error.code, error.category], ['unknown-task', 'usage']);
    assert.deepEqual([new UsageError('bad').code, new UsageError('bad').category], ['usage', 'usage']);
  });

  it('turns errors into data: code and category for its own, internal for a foreign one', () => {
    const data = errorData(new CodecWorkerError('worker exited'));
    assert.deepEqual(data, { reason: 'worker exited', name: 'CodecWorkerError', code: 'blob-codec-worker', message: 'codec worker failed: worker exited', category: 'task' });
    const foreign = Object.assign(new Error('gone'), { code: 'ENOENT' });
    assert.deepEqual(errorData(foreign), { systemCode: 'ENOENT', name: 'Error', code: 'internal', message: 'gone', category: 'internal' });
    assert.deepEqual(errorData('text'), { name: 'Error', code: 'internal', message: 'text', category: 'internal' });
  });
});
