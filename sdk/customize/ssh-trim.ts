/**
 * Trimming the guest's filesystems over SSH right before its memory is saved (issue #16):
 * `fstrim -av` discards the free blocks of every mounted filesystem that supports it. The domain
 * passes discards through (sdk/vm/domain-xml.ts), so the blocks the customization freed (downloads,
 * temp files) become qcow2 zero clusters, which the overlay records as zeroed ranges without data.
 *
 * The trim only makes the overlay smaller, so a trim that cannot run (no fstrim in the guest, a
 * user without the right to trim, a filesystem refusing discard, ssh failing now) is reported, not
 * thrown: the overlay is made without it. Only an abort ends the run.
 */
import { execa } from 'execa';
import { sshArgs, sshMessage } from './ssh-command.js';
import { knownHostsFile, type SshScript } from './ssh-script.js';

/** What runs in the guest. */
export const TRIM_COMMAND = ['fstrim', '-av'] as const;

/** fstrim's exit code when some filesystems were trimmed and others refused (util-linux). */
const SOME_TRIMMED = 64;
/** Trimming walks every free extent; a large disk takes a while, a hung guest must not stall the run. */
const TRIM_TIMEOUT_MS = 10 * 60_000;

/** The lines fstrim printed (`/: 1.2 GiB (…) trimmed on /dev/vda1`), and why not everything was trimmed. */
export interface TrimResult {
  trimmed: string[];
  problem?: string;
}

/**
 * Runs `fstrim -av` as the script's user in the guest the script ran in (sshd answered already).
 *
 * @example const { trimmed, problem } = await trimOverSsh(ssh, { workDir });
 */
export async function trimOverSsh(script: SshScript, context: { workDir: string; signal?: AbortSignal }): Promise<TrimResult> {
  const { signal } = context;
  const args = sshArgs(script.target, script.identityFile, knownHostsFile(script, context.workDir), TRIM_COMMAND);
  const ran = await execa('ssh', args, { stdin: 'ignore', reject: false, timeout: TRIM_TIMEOUT_MS, ...(signal ? { cancelSignal: signal } : {}) });
  signal?.throwIfAborted();
  const trimmed = ran.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (ran.exitCode === 0) return { trimmed };
  const why = ran.timedOut ? `timed out after ${TRIM_TIMEOUT_MS / 1000} s` : ran.exitCode === SOME_TRIMMED ? 'some filesystems refused' : `exit ${ran.exitCode ?? ran.signal ?? '?'}`;
  const said = sshMessage(ran.stderr ?? '') || (ran.failed && ran.exitCode === undefined ? ran.shortMessage : '');
  return { trimmed, problem: `${TRIM_COMMAND.join(' ')} in the guest: ${why}${said ? ` (${said})` : ''}` };
}
