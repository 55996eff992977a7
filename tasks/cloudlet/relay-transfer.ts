// An archive sent from host A (a relay source) to host B instead of from the operator. It is the
// operator's resumable upload with one difference: the bytes of [start, end) leave A, not the
// operator. So B's lock, the resume point (B's partial checked against the operator's own copy's
// first bytes), the free space check, the whole file's SHA-256 and the rename are all
// resumable-upload.ts's. For the bytes, the operator puts a one-transfer key on B (relay-key.ts:
// restricted, expiring, forced to append to that one partial), gives A the private key and B's
// host key as the operator verified it (a private `mktemp -d` on A, through stdin), and runs on A
// `tail -c +START archive | ssh …B` with host keys strictly checked, no agent, no config file, no
// forwarding. The key line on B and A's key directory are removed however the transfer ends; the
// expiry bounds a run that dies before that. Progress is coarse: B's partial size, polled.
import { sh } from '../command/command.js';
import { hostPattern, keyTypeOf } from '../connection/known-hosts.js';
import { CommandError, ConnectionError, TransferError } from '../errors.js';
import type { TaskContext } from '../task/task-context.js';
import { UploadCorruptError } from '../transfer/errors.js';
import { resumableUpload, type UploadOptions, type UploadResult, type UploadTarget } from '../transfer/resumable-upload.js';
import type { PutRangeOptions } from '../connection/connection.js';
import { RelayRefusedError } from './errors.js';
import { authorizedKeysLine, RELAY_KEY_LIFETIME_MS, relayKey } from './relay-key.js';

/** A host that holds the checked archive, as its relay targets reach it. */
export interface RelaySource {
  readonly ctx: TaskContext;
  /** The archive on the source host (relative to the login user's home). */
  readonly path: string;
}

const POLL_MS = 1000;

/** Why the target cannot take relayed bytes (it gets the operator's upload), or undefined when it can. */
export function relayUnfit(target: TaskContext): string | undefined {
  if (target.host.jumps.length > 0) return 'reached through ProxyJump: other hosts cannot reach it directly';
  if (target.host.proxyCommand !== undefined) return 'reached through a ProxyCommand: other hosts cannot reach it directly';
  if (!target.hostKey) return 'no verified SSH host key for it';
  return undefined;
}

/** Uploads `localPath` (the operator's copy, for checks) to `remotePath` on `target`, the bytes coming from `source`. */
export function relayUpload(target: TaskContext, source: RelaySource, localPath: string, remotePath: string, options: UploadOptions): Promise<UploadResult> {
  const upload: UploadTarget = {
    host: target.host.name,
    run: (command) => target.run(command, { quiet: true }),
    putRange: (_local, partial, range) => relayRange(target, source, partial, range),
    progress: (event) => target.reportProgress(event),
  };
  return resumableUpload(upload, localPath, remotePath, options);
}

async function relayRange(target: TaskContext, source: RelaySource, partial: string, range: PutRangeOptions): Promise<void> {
  const b = target.host;
  const a = source.ctx.host.name;
  const key = relayKey();
  const expiry = (await target.run(sh`date -d ${`@${Math.floor((Date.now() + RELAY_KEY_LIFETIME_MS) / 1000)}`} +%Y%m%d%H%M%S`, { quiet: true })).stdout.trim();
  const line = authorizedKeysLine(key, partial, expiry);
  // The partial ends at `start` (the resume point was checked), or is made empty and private.
  await target.run(sh`umask 077 && touch -- ${partial} && truncate -s ${range.start} -- ${partial} && mkdir -p ~/.ssh && printf '%s\n' ${line} >> ~/.ssh/authorized_keys`, { quiet: true });
  let keyDir: string | undefined;
  let polling: NodeJS.Timeout | undefined;
  try {
    const hostKey = target.hostKey!;
    const known = `${hostPattern(b.address, b.port)} ${keyTypeOf(hostKey)} ${hostKey.toString('base64')}`;
    keyDir = (await source.ctx.run(sh`umask 077 && d=$(mktemp -d) && cat > "$d/key" && printf '%s\n' ${known} > "$d/known_hosts" && echo "$d"`, { quiet: true, stdin: key.privateKey })).stdout.trim();
    if (!/^\/[\w./-]+$/.test(keyDir)) throw new TransferError(a, 'put', source.path, `${b.name}:${partial}`, `mktemp -d answered '${keyDir}'`);
    let reported = range.start;
    polling = setInterval(() => {
      void target.run(sh`stat -c %s -- ${partial}`, { quiet: true, check: false }).then(({ stdout }) => {
        const size = Number(stdout.trim());
        if (size > reported) range.onBytes?.(size - reported);
        reported = Math.max(reported, size);
      }, () => undefined);
    }, POLL_MS);
    const ssh = sh`ssh -F /dev/null -T -i ${`${keyDir}/key`} -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=yes -o ${`UserKnownHostsFile=${keyDir}/known_hosts`} -o GlobalKnownHostsFile=/dev/null -o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -o ConnectTimeout=10 -o ServerAliveInterval=15 -o ServerAliveCountMax=2 -p ${b.port} -l ${b.user} ${b.address}`;
    const sent = await source.ctx.run(sh`tail -c +${range.start + 1} -- ${source.path} | ${ssh}`, { quiet: true, check: false });
    if (sent.exitCode !== 0) {
      const why = sent.stderr.trim().split('\n').at(-1) ?? '';
      if (/Permission denied|Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(sent.stderr)) throw new RelayRefusedError(a, b.name, why);
      throw new TransferError(a, 'put', source.path, `${b.name}:${partial}`, `the relay from ${a} ended with code ${sent.exitCode}${why ? `: ${why}` : ''}`);
    }
  } finally {
    clearInterval(polling);
    // The source may be gone (that may be why we are here): its key only ever opened this partial, and no longer does.
    if (keyDir) await source.ctx.run(sh`rm -rf -- ${keyDir}`, { quiet: true, check: false }).catch(() => undefined);
    await target.run(sh`sed -i --follow-symlinks -e ${`/ ${key.marker}$/d`} ~/.ssh/authorized_keys`, { quiet: true, check: false });
  }
}

/** True when the relay failed on the source's side or between the hosts: another source may do. */
export function isSourceFailure(error: unknown, target: string): boolean {
  if (error instanceof RelayRefusedError) return false;
  if (error instanceof ConnectionError || error instanceof CommandError) return error.host !== target;
  return error instanceof TransferError || error instanceof UploadCorruptError;
}
