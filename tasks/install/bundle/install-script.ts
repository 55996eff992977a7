// What root runs on the host to turn an uploaded bundle (host-bundle.ts) into a release under
// <prefix>/releases/<key>. In order: the upload's SHA-256 must be the operator's (else nothing is
// touched); everything is unpacked into a .partial directory as root with root's own owner and
// umask 022 (never the operator's uid or modes); the registry packages are laid out as npm laid
// them out; the native addons without a prebuild for this CPU are built here, against this host's
// libraries and the shipped runtime's headers; the runtime loads every addon; only then is the
// release renamed into place and `current` switched atomically. Any failure removes the partial.
import { sh } from '../../command/command.js';

export interface InstallScriptInput {
  readonly prefix: string;
  readonly key: string;
  /** The runtime's CPU name (prebuilds/linux-<arch>). */
  readonly arch: string;
  /** The uploaded bundle on the host. */
  readonly staged: string;
  readonly sha256: string;
  /** Addons the runtime must load before the release is switched. */
  readonly load: readonly string[];
}

const LOAD_ALL = 'Promise.all(process.argv.slice(1).map((m) => (m.endsWith(".node") ? require(m) : import(m)))).catch((e) => { console.error(String(e)); process.exit(1); })';
const UNPACK = 'tar --no-same-owner --no-same-permissions';

export function installScript(input: InstallScriptInput): string {
  const release = `${input.prefix}/releases/${input.key}`;
  return [
    'set -eu',
    'umask 022',
    `staged=${sh`${input.staged}`.text}; sha=${sh`${input.sha256}`.text}; arch=${sh`${input.arch}`.text}`,
    `release=${sh`${release}`.text}; partial=; log="$(mktemp)"`,
    `trap 'cd /; rm -rf "$partial" "$log"; rmdir "$(dirname "$release")" 2>/dev/null || true' EXIT`,
    `if ! printf '%s  %s\\n' "$sha" "$staged" | sha256sum -c --status; then echo "the uploaded bundle is corrupted (its SHA-256 is not the operator's): nothing was changed; run install again" >&2; exit 1; fi`,
    // A partial of its own: two operators deploying to one host at once never mix their files.
    'mkdir -p "$(dirname "$release")"; partial="$(mktemp -d "$release.partial.XXXXXX")"; chmod 755 "$partial"; cd "$partial"',
    `${UNPACK} -xf "$staged"`,
    `mkdir runtime; ${UNPACK} -xzf runtime.tgz -C runtime --strip-components=1`,
    `tab="$(printf '\\t')"`,
    `while IFS="$tab" read -r file path build; do mkdir -p "$path"; ${UNPACK} -xzf "$file" -C "$path" --strip-components=1; done < layout.tsv`,
    // binding.gyp files run `node -p …`: the shipped runtime is the node they must find.
    'PATH="$partial/runtime/bin:$PATH"; export PATH',
    'while IFS="$tab" read -r file path build; do',
    '  if [ "$build" != 1 ] || [ ! -f "$path/binding.gyp" ] || [ -d "$path/prebuilds/linux-$arch" ]; then continue; fi',
    '  if ! (cd "$path" && node "$partial/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$partial/runtime" -j max) > "$log" 2>&1; then',
    '    echo "building $path for this host failed (install needs g++, make, python3 and libvirt-dev: the packages step installs them):" >&2; tail -n 25 "$log" >&2; exit 1',
    '  fi',
    'done < layout.tsv',
    'rm -rf runtime.tgz packages layout.tsv',
    'chown -R 0:0 .; chmod -R go-w .',
    `echo ${sh`${input.key}`.text} > BUNDLE`,
    'node dist/sdk/cli.js --version > /dev/null',
    // Importing an addon does not always open its .node file (libvirt's opens on first use): open each.
    `node -e ${sh`${LOAD_ALL}`.text} ${sh`${input.load}`.text} $(find "$partial/node_modules" -path '*/build/Release/*.node')`,
    // A complete release of this key is already there (the other operator, or a rollback): use it.
    'cd /; if [ -d "$release" ]; then rm -rf "$partial"; else mv -T "$partial" "$release"; fi',
    `cd ${sh`${input.prefix}`.text} && ln -sfn ${sh`releases/${input.key}`.text} current.new && mv -T current.new current`,
    // Keep the release in use and the one before it; older ones go.
    'ls -1t releases | tail -n +3 | while read -r old; do rm -rf "releases/$old"; done',
  ].join('\n');
}
