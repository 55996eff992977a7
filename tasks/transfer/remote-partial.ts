// The host's side of a resumable upload, as shell commands run as the login user: the directory
// made (0700, like everything the upload creates), the sizes of the file and of its partial
// upload and the free space read in one round trip, SHA-256 of a file or of its first bytes, and
// the partial removed or renamed into place (rename(2) in the same directory: atomic).
import { sh, type Command } from '../command/command.js';
import type { CommandResult } from '../task/task-context.js';

/** Runs a command on the host as the login user, quietly; a non-zero exit throws CommandError. */
export type RemoteRun = (command: Command) => Promise<CommandResult>;

/** What the host holds of an upload. */
export interface RemoteState {
  /** Size of the regular file at the path, if there is one. */
  readonly finalSize: number | undefined;
  /** Size of the partial upload `<path>.part`, if there is one. */
  readonly partSize: number | undefined;
  /** Bytes the login user may still write in the file's directory. */
  readonly availableBytes: number;
}

/** Where the bytes go until the whole file is checked. */
export function partialPath(path: string): string {
  return `${path}.part`;
}

/** Creates the file's directory if missing (0700) and reads the state of the upload. */
export async function probeRemote(run: RemoteRun, path: string): Promise<RemoteState> {
  const { stdout } = await run(sh`p=${path}; d=$(dirname -- "$p"); (umask 077 && mkdir -p -- "$d") || exit 1
size() { if [ -f "$1" ]; then stat -c %s -- "$1"; else echo -; fi; }
echo "$(size "$p") $(size "$p.part") $(df -Pk -- "$d" | awk 'NR == 2 { print $4 }')"`);
  const [finalSize, partSize, availableKiB] = stdout.trim().split(' ');
  const number = (text: string | undefined): number | undefined => (text === undefined || text === '-' || text === '' ? undefined : Number(text));
  return { finalSize: number(finalSize), partSize: number(partSize), availableBytes: (number(availableKiB) ?? 0) * 1024 };
}

/** The SHA-256 (hex) of the remote file, or of its first `length` bytes. */
export async function remoteSha256(run: RemoteRun, path: string, length?: number): Promise<string> {
  const digest = length === undefined ? sh`sha256sum < ${path}` : sh`head -c ${length} -- ${path} | sha256sum`;
  const { stdout } = await run(sh`test -f ${path} && ${digest}`);
  return /^[0-9a-f]{64}/.exec(stdout)?.[0] ?? '';
}

export async function removePartial(run: RemoteRun, path: string): Promise<void> {
  await run(sh`rm -f -- ${partialPath(path)}`);
}

/** Renames the checked partial upload to the path, replacing what was there at once. */
export async function installPartial(run: RemoteRun, path: string): Promise<void> {
  await run(sh`mv -f -- ${partialPath(path)} ${path}`);
}
