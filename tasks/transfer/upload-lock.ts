// One upload of a path at a time, across operators: `mkdir <path>.lock` is atomic, and its
// `owner` file names the holder (a token) and the holder's sshd session process. The holder
// touches `owner` while it works; a lock is stale when the touches stop for STALE_SECONDS (a
// dead operator or network) or at once when that sshd process is gone (its connection closed:
// Ctrl-C, a cut the host noticed). A stale lock is renamed away atomically, so only one waiter
// takes it over; the others go on waiting for the new holder. Waiters poll, and give up only
// when their signal aborts.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { sh } from '../command/command.js';
import type { RemoteRun } from './remote-partial.js';

const STALE_SECONDS = 60;
const REFRESH_MS = 15_000;
const POLL_MS = 1000;

/** A held upload lock; release it once done (it never throws). */
export interface UploadLock {
  release(): Promise<void>;
}

/** Who holds a lock another upload waits for. */
export interface LockHolder {
  readonly owner: string;
  readonly ageSeconds: number;
}

function lockPath(path: string): string {
  return `${path}.lock`;
}

/**
 * Takes the lock of `path`, waiting while another upload holds it; `onWait` is called once,
 * when the first wait begins.
 */
export async function acquireUploadLock(run: RemoteRun, path: string, onWait: (holder: LockHolder) => void, signal?: AbortSignal): Promise<UploadLock> {
  const lock = lockPath(path);
  const token = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let waited = false;
  for (;;) {
    signal?.throwIfAborted();
    const answer = (await run(tryLock(lock, token))).stdout.trim();
    if (answer === 'acquired') break;
    if (answer === 'stale') continue;
    const [, age, owner] = /^held (\d+) ?(.*)$/.exec(answer) ?? [];
    if (!waited) onWait({ owner: owner || 'unknown', ageSeconds: Number(age ?? 0) });
    waited = true;
    await sleep(POLL_MS, undefined, signal ? { signal } : {});
  }
  const mine = sh`[ "$(cut -d ' ' -f 1 -- ${`${lock}/owner`} 2>/dev/null)" = ${token} ]`;
  const refresh = setInterval(() => void run(sh`${mine} && touch -- ${`${lock}/owner`}`).catch(() => undefined), REFRESH_MS);
  return {
    async release() {
      clearInterval(refresh);
      await run(sh`if ${mine}; then rm -rf -- ${lock}; fi`).catch(() => undefined);
    },
  };
}

/** One attempt, one round trip: prints `acquired`, `stale` (removed: try again) or `held AGE OWNER`. */
function tryLock(lock: string, token: string) {
  return sh`l=${lock}; t=${token}
session() {
  p=$$
  while [ "$p" -gt 1 ]; do
    case "$(cat /proc/$p/comm 2>/dev/null)" in sshd*) echo "$p"; return ;; esac
    p=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d ' ' -f 2); p=$((p + 0))
  done
  echo 0
}
if (umask 077 && mkdir -- "$l") 2>/dev/null; then echo "$t $(session)" > "$l/owner"; echo acquired; exit 0; fi
who=; pid=0
if [ -f "$l/owner" ]; then read -r who pid < "$l/owner"; fi
now=$(date +%s)
age=$((now - $(stat -c %Y -- "$l/owner" 2>/dev/null || stat -c %Y -- "$l" 2>/dev/null || echo "$now")))
if [ "$age" -gt ${STALE_SECONDS} ] || { [ "$((pid + 0))" -gt 0 ] && [ ! -d "/proc/$pid" ]; }; then
  mv -- "$l" "$l.stale-$t" 2>/dev/null && rm -rf -- "$l.stale-$t"
  echo stale; exit 0
fi
echo "held $age $who"`;
}
