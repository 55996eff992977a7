import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../tasks/errors.js';
import { checkNameTemplate, expandName, expandTemplate, templateFields } from '../../../tasks/cloudlet/name-template.js';

describe('VM name templates', () => {
  it('gives every host its own name', () => {
    assert.equal(expandName('web-{host}', { name: 'lab1', index: 0 }), 'web-lab1');
    assert.equal(expandName('vm{index}-{host}-{index}', { name: 'b', index: 3 }), 'vm3-b-3');
    assert.equal(expandName('plain', { name: 'b', index: 3 }), 'plain');
  });

  it('refuses unknown fields before any host is contacted', () => {
    assert.doesNotThrow(() => checkNameTemplate('web-{host}-{index}'));
    assert.throws(() => checkNameTemplate('web-{hostname}'), (error: unknown) => error instanceof UsageError && /unknown field \{hostname\}; the fields are \{host\} and \{index\}/.test(error.message));
    assert.throws(() => checkNameTemplate('web-{}'), UsageError);
  });

  it('fills variables, keeps {{ and }} as literal braces, and names the known fields for an unknown one', () => {
    assert.deepEqual(templateFields('{site}-{host} ${{HOME}} {{print}}'), ['site', 'host']);
    assert.equal(expandTemplate("{site}: ${{HOME}} awk '{{print $1}}'", { site: 'lab-a' }, 'content'), "lab-a: ${HOME} awk '{print $1}'");
    assert.throws(() => expandTemplate('{sit}', { site: 'x', host: 'h' }, 'lab1: step file#1.path'), /lab1: step file#1\.path '\{sit\}': unknown field \{sit\}; the fields are \{site\} and \{host\}/);
  });
});
