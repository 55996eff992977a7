// Without a terminal, sshd does not stop a command when its channel closes, so an interrupted
// run would leave commands running on the hosts. The guard runs the command in a session of its
// own and watches the channel's stdin: the transport sends the command's stdin data (a byte
// count the guard knows) and then keeps stdin open; when stdin ends (Ctrl-C, a timeout, a lost
// connection) the session gets TERM, and KILL once its grace is over. The data never appears in
// the command line (ps, sudo's log, E2BIG).
import { sh } from '../command/command.js';

/** How a guarded command gets its stdin and how long it has to end after TERM. */
export interface GuardSettings {
  /** Bytes of stdin data the transport sends first; the command reads exactly these, then EOF. */
  readonly stdinBytes: number;
  /** Time between TERM and KILL, in ms. */
  readonly graceMs: number;
}

/**
 * Wraps shell text so the command and everything it starts die with the channel's stdin.
 *
 * The session is a pipeline `watcher | runner`. The watcher (a `sh -c` of its own, so `$$` is its
 * pid) writes its pid, then copies exactly `stdinBytes` from the channel (`head -c` reads no
 * further), closes the command's stdin and waits for the channel's stdin to end; then it writes
 * the session's pid to the outer shell (fd 6), sends TERM to the session's process group and KILL
 * after the grace. The runner reads the pid, runs the command on the rest of the pipe and stops
 * the watcher (USR1) once the command is done. Trapped TERM (`:`) keeps the session's own shells
 * alive until the command has ended, while the command itself gets TERM with its default action.
 * Once the session is over, the outer shell KILLs what a stopped command left in it (a process
 * started during its cleanup would otherwise outlive it and hold the channel open); a command that
 * was not stopped keeps what it started in the background, as without the guard.
 */
export function guardCommand(text: string, settings: GuardSettings): string {
  const seconds = String(settings.graceMs / 1000);
  const watcher = [
    "trap '' TERM",
    // Its waits run in the background so that USR1 interrupts them.
    'trap \'kill "$cloudlet_wait" 2>/dev/null; exit 0\' USR1',
    'echo $$',
    // Its own children do not hold fd 6, which would keep the outer shell waiting.
    `head -c ${settings.stdinBytes} <&3 6>&-`,
    'exec >&-',
    'cat <&3 >/dev/null 6>&- & cloudlet_wait=$!; wait "$cloudlet_wait"',
    // In a subshell: if the outer shell is gone, SIGPIPE ends that subshell, not the watcher.
    '(echo "$1" >&6)',
    'kill -TERM 0',
    `sleep ${seconds} 6>&- & cloudlet_wait=$!; wait "$cloudlet_wait"`,
    'kill -KILL 0',
  ].join('\n');
  const runner = [
    'read -r cloudlet_watch',
    'trap : TERM',
    // The command's own shell, too, outlives TERM until the process it waits for has ended (POSIX
    // runs a trap only after the foreground command), then runs nothing more: the command gets its
    // cleanup time even when the shell does not exec it (a `cd … &&` prefix, a wrapper script).
    `${sh`sh -c ${`trap 'exit 143' TERM
${text}`}`.text} 3<&-`,
    'cloudlet_status=$?',
    'kill -USR1 "$cloudlet_watch" 2>/dev/null',
    'exit "$cloudlet_status"',
  ].join('\n');
  // The session shell's pid is its process group's id; fd 6, the outer shell's pipe, is the watcher's only.
  const session = ['trap : TERM', `${sh`sh -c ${watcher}`.text} sh "$$" 2>/dev/null | {\n${runner}\n} 6>&-`].join('\n');
  return [
    // Background jobs of a non-interactive shell read /dev/null, so the channel's stdin is kept as
    // fd 3; the substitution below takes stdout, kept as fd 5. The shell's own stderr is muted: a
    // shell reports a KILLed job ("Killed ...") there.
    'exec 3<&0 4>&2 5>&1 2>/dev/null',
    // The session runs in the foreground and tells a stop through a pipe, not a signal: a trapped
    // signal cuts bash's `wait` short, and when it lands just as `wait` reaps the session, bash
    // drops the session's status (a later `wait` gives -1, so the run ended with 255). The
    // substitution ends when the session has ended (no other process holds its pipe).
    `cloudlet_session=$(${sh`setsid sh -c ${session}`.text} sh </dev/null 6>&1 >&5 2>&4 4>&- 5>&-)`,
    'cloudlet_status=$?',
    '[ -z "$cloudlet_session" ] || kill -KILL -"$cloudlet_session" 2>/dev/null',
    'exit "$cloudlet_status"',
  ].join('\n');
}
