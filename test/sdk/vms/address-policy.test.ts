import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRefusedAddress } from '../../../sdk/vms/address-policy.js';

describe('the addresses a --public-only download refuses', () => {
  it('refuses loopback, private, shared, link-local, multicast, reserved and unspecified addresses, IPv4-mapped ones too', () => {
    for (const address of [
      '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.169.254',
      '0.0.0.0', '224.0.0.1', '240.0.0.1', '255.255.255.255', '198.18.0.1',
      '::1', '::', 'fe80::1', 'fd00::1', 'fc12::3', 'ff02::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1',
    ]) assert.equal(isRefusedAddress(address), true, address);
  });

  it('accepts public addresses, the ones just outside the refused ranges included', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '169.255.0.1', '11.0.0.1', '2001:4860:4860::8888', '2a00:1450::1', '::ffff:8.8.8.8']) {
      assert.equal(isRefusedAddress(address), false, address);
    }
  });
});
