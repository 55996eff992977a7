import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildDomainXml,
  checkUntrustedDomainXml,
  checkUntrustedSaveCookie,
  domainXmlViolations,
  UnsafeDomainXmlError,
  type DomainSpec,
} from '../../../sdk/vm/index.js';

const SPEC: DomainSpec = {
  name: 'cloudlet-base-0123456789ab',
  uuid: '639a1a35-8cf1-4bf8-a988-993a2fb80c8e',
  type: 'qemu',
  hardware: { memoryMiB: 256, vcpus: 1, machine: 'pc-i440fx-7.2', nicMac: '52:54:00:12:34:56' },
  disk: { path: '/var/lib/cloudlet/bases/x/disk.raw', format: 'raw' },
  serialLog: '/var/lib/cloudlet/bases/x/console.log',
};
const TRUSTED = buildDomainXml(SPEC);

/** Our template with `extra` inserted before `before`. */
function hostile(extra: string, before = '</devices>'): string {
  assert.ok(TRUSTED.includes(before));
  return TRUSTED.replace(before, `${extra}${before}`);
}

function rules(xml: string): string[] {
  return domainXmlViolations(xml).map((violation) => violation.rule);
}

describe('checkUntrustedDomainXml', () => {
  it('accepts what our template writes, with and without a NIC', () => {
    assert.deepEqual(domainXmlViolations(TRUSTED), []);
    assert.deepEqual(domainXmlViolations(buildDomainXml({ ...SPEC, hardware: { ...SPEC.hardware, nicMac: null } })), []);
    assert.equal(checkUntrustedDomainXml(TRUSTED, 'test').name, 'domain');
  });

  it('refuses an added disk, a cdrom and a disk that is a host block device', () => {
    const disk = `<disk type='file' device='disk'><source file='/etc/shadow'/><target dev='vdb' bus='virtio'/></disk>`;
    assert.deepEqual(rules(hostile(disk)), ['extra-disk']);
    assert.deepEqual(rules(hostile(`<disk type='file' device='cdrom'><source file='/x.iso'/><target dev='hdc'/></disk>`)), ['extra-disk']);
    const block = TRUSTED.replace(`<disk type='file'`, `<disk type='block'`).replace(`source file=`, `source dev=`);
    assert.deepEqual(rules(block).sort(), ['device', 'disk-source']);
  });

  it('refuses qemu:commandline, whether prefixed or declared as the default namespace', () => {
    const prefixed = hostile(`<qemu:commandline><qemu:arg value='-device'/></qemu:commandline>`, '</domain>').replace(`<domain type='qemu'>`, `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>`);
    assert.ok(rules(prefixed).every((rule) => rule === 'extension-namespace'));
    assert.ok(rules(prefixed).length >= 3, 'the declaration, the element and its child');
    const unprefixed = hostile(`<commandline xmlns='http://libvirt.org/schemas/domain/qemu/1.0'><arg value='-S'/></commandline>`, '</domain>');
    assert.ok(rules(unprefixed).includes('extension-namespace'));
  });

  it('refuses host devices, shared filesystems and every device kind the template lacks', () => {
    const hostdev = `<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>`;
    assert.deepEqual(rules(hostile(hostdev)), ['device']);
    const filesystem = `<filesystem type='mount'><source dir='/'/><target dir='host'/></filesystem>`;
    assert.ok(rules(hostile(filesystem)).includes('device'));
    assert.deepEqual(rules(hostile(`<channel type='unix'><source mode='bind'/><target type='virtio'/></channel>`)), ['device']);
    assert.deepEqual(rules(hostile(`<graphics type='vnc' listen='0.0.0.0'/>`)), ['device']);
  });

  it('refuses kernel, initrd and loader paths and an emulator of its choosing', () => {
    for (const element of ['<kernel>/boot/vmlinuz</kernel>', '<initrd>/boot/initrd</initrd>', `<loader readonly='yes' type='rom'>/tmp/evil.fd</loader>`]) {
      assert.deepEqual(rules(hostile(element, '<boot dev=')), ['boot-path'], element);
    }
    assert.deepEqual(rules(hostile('<emulator>/tmp/evil</emulator>', '<disk ')), ['boot-path']);
    assert.deepEqual(domainXmlViolations(hostile('<emulator>/usr/bin/qemu-system-x86_64</emulator>', '<disk ')), []);
  });

  it('refuses host networks, host paths outside the disk and console, and chosen QEMU credentials', () => {
    assert.deepEqual(rules(TRUSTED.replace(`<interface type='user'>`, `<interface type='bridge'><source bridge='br0'/>`)), ['network']);
    assert.deepEqual(rules(TRUSTED.replace(`<model type='virtio'/>`, `<model type='virtio'/><rom file='/tmp/evil.rom'/>`)), ['device']);
    assert.deepEqual(rules(hostile(`<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>`, '</domain>')), ['security-label']);
    assert.deepEqual(rules(hostile(`<memoryBacking><source type='file'/></memoryBacking>`, '<devices>')), ['element']);
  });

  it('reports unparseable or entity-laden XML as a syntax violation, and throws UnsafeDomainXmlError with all of them', () => {
    assert.deepEqual(rules(`<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain/>`), ['syntax']);
    assert.throws(() => checkUntrustedDomainXml(hostile('<hostdev/><filesystem/>'), 'overlay.zip'), (error: unknown) => {
      assert.ok(error instanceof UnsafeDomainXmlError);
      assert.equal(error.source, 'overlay.zip');
      assert.deepEqual(error.violations.map((violation) => violation.path), ['domain/devices/hostdev', 'domain/devices/filesystem']);
      return true;
    });
  });
});

describe('checkUntrustedSaveCookie', () => {
  it('accepts the cookie libvirt writes (CPU definition, slirp helper flag) and refuses anything else', () => {
    checkUntrustedSaveCookie(`<cookie><cpu mode='custom' match='exact' check='full'><model fallback='forbid'>qemu64</model><feature policy='require' name='hypervisor'/></cpu><slirpHelper/></cookie>`, 'test');
    assert.throws(() => checkUntrustedSaveCookie(`<cookie><disk file='/etc/shadow'/></cookie>`, 'test'), UnsafeDomainXmlError);
    assert.throws(() => checkUntrustedSaveCookie(`<cookie xmlns:q='x'><q:x/></cookie>`, 'test'), UnsafeDomainXmlError);
  });
});
