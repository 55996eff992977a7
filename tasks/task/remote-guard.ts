// Without a terminal, sshd does not stop a command when its channel closes, so an
// interrupted run would leave commands running on the hosts. The guard runs the command in
// its own session and watches the channel's stdin: when the channel goes away (Ctrl-C,
// timeout backstop, lost connection) stdin ends and the whole session is killed. The
// command reads the given stdin data (carried inside the script) or /dev/null.
import { sh } from '../command/command.js';

/** Wraps shell text so the command and everything it starts die with the channel. */
export function guardCommand(text: string, stdin?: string): string {
  const inner = stdin === undefined ? text : sh`printf %s ${Buffer.from(stdin).toString('base64')} | base64 -d | sh -c ${text}`.text;
  return [
    // Background jobs of a non-interactive shell read /dev/null, so the channel's stdin is kept as fd 3.
    'exec 3<&0',
    `${sh`setsid sh -c ${inner}`.text} </dev/null 3<&- &`,
    'cloudlet_pid=$!',
    // The watcher keeps no output pipe open, so it never holds the channel open after the command ends.
    '{ cat <&3; kill -TERM -- -"$cloudlet_pid"; sleep 5; kill -KILL -- -"$cloudlet_pid"; } >/dev/null 2>&1 &',
    'cloudlet_watch=$!',
    'wait "$cloudlet_pid"; cloudlet_status=$?',
    'kill "$cloudlet_watch" 2>/dev/null',
    'exit "$cloudlet_status"',
  ].join('\n');
}
