import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LimitError } from '../../../tasks/errors.js';
import type { HostTarget } from '../../../tasks/inventory/host-target.js';
import { limitHosts } from '../../../tasks/inventory/limit-hosts.js';

function host(name: string, groups: string[] = []): HostTarget {
  return { name, address: name, port: 22, user: 'ops', identityFiles: [], jumps: [], knownHostsFiles: [], vars: {}, groups };
}

const HOSTS = [host('lab1', ['cloudlets']), host('lab2', ['cloudlets', 'edge']), host('lab3', ['cloudlets', 'edge']), host('web1'), host('ops@db9:2222')];
const names = (limit: string): string[] => limitHosts(HOSTS, limit).map((h) => h.name);

function limitError(limit: string): LimitError {
  try {
    limitHosts(HOSTS, limit);
  } catch (error) {
    assert.ok(error instanceof LimitError, String(error));
    return error;
  }
  assert.fail(`--limit ${limit} was accepted`);
}

describe('--limit', () => {
  it('keeps hosts by name, glob and group, in the order they were selected', () => {
    assert.deepEqual(names('web1'), ['web1']);
    assert.deepEqual(names('web1,lab?'), ['lab1', 'lab2', 'lab3', 'web1']);
    assert.deepEqual(names('edge'), ['lab2', 'lab3']);
    assert.deepEqual(names('lab[13]'), ['lab1', 'lab3']);
    assert.deepEqual(names('*@db9*'), ['ops@db9:2222']);
  });

  it('removes with !pattern, intersects with &pattern, and splits on colons when there is no comma', () => {
    assert.deepEqual(names('cloudlets:!lab3'), ['lab1', 'lab2']);
    assert.deepEqual(names('cloudlets:&edge'), ['lab2', 'lab3']);
    assert.deepEqual(names('cloudlets:&edge:!lab2'), ['lab3']);
    assert.deepEqual(names('!edge'), ['lab1', 'web1', 'ops@db9:2222']);
    assert.deepEqual(names('all:!cloudlets'), ['web1', 'ops@db9:2222']);
    assert.deepEqual(names('ops@db9:2222,web1'), ['web1', 'ops@db9:2222']);
  });

  it('refuses a pattern that matches no selected host, exclusions too, naming it and the selected hosts', () => {
    const error = limitError('cloudlets,!lab9');
    assert.equal(error.limit, 'cloudlets,!lab9');
    assert.match(error.detail, /'lab9' matches none of the selected hosts/);
    assert.deepEqual(error.selected, ['lab1', 'lab2', 'lab3', 'web1', 'ops@db9:2222']);
    assert.match(limitError('clodlets').detail, /'clodlets' matches none/);
  });

  it('refuses a limit that leaves no host, or names no pattern', () => {
    assert.match(limitError('edge:!lab*').detail, /leaves no host/);
    assert.match(limitError(' , ').detail, /names no pattern/);
  });
});
