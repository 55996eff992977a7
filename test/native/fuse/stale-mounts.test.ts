import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOurMounts } from '../../../native/fuse/index.js';

describe('parseOurMounts', () => {
  it('finds fuse.cloudlet mounts named cloudlet-lazy-disk:<pid>, with their connection and unescaped path', () => {
    const info = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '90 22 0:57 / /var/lib/cloudlet/tmp/early-42-x/disk rw,nosuid,nodev,relatime - fuse.cloudlet cloudlet-lazy-disk:42 rw,user_id=0,group_id=0,allow_other',
      '91 22 0:58 / /tmp/with\\040space rw - fuse.cloudlet cloudlet-lazy-disk:7 rw',
      '92 22 0:59 / /mnt/other rw - fuse.sshfs host:/ rw',
    ].join('\n');
    assert.deepEqual(parseOurMounts(info), [
      { dir: '/var/lib/cloudlet/tmp/early-42-x/disk', connection: 57, pid: 42 },
      { dir: '/tmp/with space', connection: 58, pid: 7 },
    ]);
  });
});
