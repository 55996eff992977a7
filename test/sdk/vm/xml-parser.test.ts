import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, XmlSyntaxError } from '../../../sdk/vm/index.js';

function refusal(text: string): XmlSyntaxError {
  try {
    parseXml(text);
  } catch (error) {
    assert.ok(error instanceof XmlSyntaxError, String(error));
    return error;
  }
  assert.fail(`parsed: ${text}`);
}

describe('parseXml', () => {
  it('reads elements, attributes in either quote, text with references, CDATA, comments and the declaration', () => {
    const root = parseXml(`<?xml version="1.0"?>\n<!-- c --><domain type='qemu' id="1"><name>a &amp; b&#x21;</name><x><![CDATA[<raw>]]></x><empty/></domain>\n`);
    assert.equal(root.name, 'domain');
    assert.deepEqual([...root.attributes], [['type', 'qemu'], ['id', '1']]);
    assert.deepEqual(root.children.map((child) => child.name), ['name', 'x', 'empty']);
    assert.equal(root.children[0]!.text, 'a & b!');
    assert.equal(root.children[1]!.text, '<raw>');
  });

  it('keeps prefixes in names, so namespaced extensions stay visible', () => {
    const root = parseXml(`<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:commandline/></domain>`);
    assert.equal(root.children[0]!.name, 'qemu:commandline');
    assert.equal(root.attributes.get('xmlns:qemu'), 'http://libvirt.org/schemas/domain/qemu/1.0');
  });

  it('refuses DOCTYPE and entity declarations, so no entity can be expanded (XXE, billion laughs)', () => {
    assert.match(refusal(`<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/shadow">]><d>&x;</d>`).problem, /DOCTYPE/);
    assert.match(refusal(`<d>&x;</d>`).problem, /entity &x;/);
    assert.match(refusal(`<d>a & b</d>`).problem, /bare "&"/);
  });

  it('refuses malformed documents with the offset of the problem', () => {
    assert.equal(refusal(`<a><b></a>`).offset, 6);
    assert.match(refusal(`<a x='1' x='2'/>`).problem, /duplicate attribute x/);
    assert.match(refusal(`<a/><b/>`).problem, /after the root/);
    assert.match(refusal(`<a x='<'/>`).problem, /"<" in an attribute/);
    assert.match(refusal(`<a>`).problem, /not closed/);
    assert.match(refusal(`<a x='1'y='2'/>`).problem, /whitespace before an attribute/);
    assert.match(refusal('<a>'.repeat(65) + '</a>'.repeat(65)).problem, /deeper than 64/);
  });
});
