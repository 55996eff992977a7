// Where a sudo `put` stages its file before `install` moves it into place: a directory of its
// own (mktemp -d, 0700) holding an empty 0600 file that the upload fills, so no other user can
// read the data on its way. The directory is kept by a command that lives as long as the put and
// removes it when its stdin ends, so it also goes when the connection is lost or the run aborted.
import type { Connection } from '../connection/connection.js';
import { CommandError } from '../errors.js';

/** A staging directory on a host; `release` removes it and waits until it is gone. */
export interface StagingDir {
  /** The empty, private file to upload into. */
  readonly file: string;
  release(): Promise<void>;
}

const KEEPER = [
  'd=$(mktemp -d /tmp/.cloudlet-tasks-XXXXXXXXXX) || exit 1',
  '(umask 077 && : >"$d/file") || { rm -rf -- "$d"; exit 1; }',
  'printf "%s\\n" "$d"',
  // Nothing to read: it waits for the end of its stdin (release, or the connection gone).
  'cat >/dev/null',
  'rm -rf -- "$d"',
].join('\n');
const SHOWN = 'mktemp -d /tmp/.cloudlet-tasks-XXXXXXXXXX';

/** Makes the staging directory; throws CommandError if the host cannot. */
export async function stagingDir(connection: Connection): Promise<StagingDir> {
  const done = new AbortController();
  let printed = '';
  let named: (dir: string) => void = () => undefined;
  const dir = new Promise<string>((resolve) => (named = resolve));
  const keeper = connection.exec(KEEPER, {
    display: SHOWN,
    holdStdin: true,
    signal: done.signal,
    onData: (stream, chunk) => {
      if (stream !== 'stdout') return;
      printed += chunk;
      if (printed.includes('\n')) named(printed.slice(0, printed.indexOf('\n')));
    },
  });
  const failed = keeper.then((result) => {
    throw new CommandError(connection.host.name, SHOWN, result.exitCode, result.signal, result.stdout, result.stderr);
  });
  const path = await Promise.race([dir, failed]);
  return {
    file: `${path}/file`,
    release: async () => {
      done.abort();
      await keeper;
    },
  };
}
