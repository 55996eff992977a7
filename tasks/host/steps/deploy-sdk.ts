// Step 8: the `cloudlet` command on the host: this package's SDK and its Node.js runtime
// under <prefix>/releases/<bundle>, `current` pointing at it, and /usr/local/bin/cloudlet.
// Extraction goes to a .partial directory that is renamed only after the new runtime ran,
// so a full disk or a cut connection never leaves a half-written release in use.
import { sh } from '../../command/command.js';
import { sdkBundle, type SdkBundle } from '../sdk-bundle.js';
import { defineStep, type InstallSettings, type Plan } from '../step.js';

export interface DeployFacts {
  readonly bundle: SdkBundle;
  /** The bundle key of the deployed release, null when none. */
  readonly deployedKey: string | null;
  readonly wrapper: string | null;
}

export const WRAPPER_PATH = '/usr/local/bin/cloudlet';

export function wrapperScript(prefix: string): string {
  return `#!/bin/sh\n# Installed by cloudlet-tasks install.\nexec ${sh`${`${prefix}/current/runtime/node`} ${`${prefix}/current/dist/sdk/cli.js`}`.text} "$@"\n`;
}

function installScript(prefix: string, key: string, staged: string): string {
  const release = `${prefix}/releases/${key}`;
  return [
    'set -e',
    `staged=${sh`${staged}`.text}; release=${sh`${release}`.text}; partial="$release.partial"`,
    // On any failure: no partial release, no staged bundle, no empty directories of ours.
    `trap 'rm -rf "$partial" "$staged"; rmdir "$(dirname "$release")" 2>/dev/null || true' EXIT`,
    'rm -rf "$partial"; mkdir -p "$partial"',
    'tar -xzf "$staged" -C "$partial"',
    `echo ${sh`${key}`.text} > "$partial/BUNDLE"`,
    '"$partial/runtime/node" "$partial/dist/sdk/cli.js" --version > /dev/null',
    'rm -rf "$release"; mv "$partial" "$release"',
    `cd ${sh`${prefix}`.text} && ln -sfn ${sh`releases/${key}`.text} current.new && mv -T current.new current`,
    // Keep the release in use and the one before it; older ones go.
    `ls -1t releases | tail -n +3 | while read -r old; do rm -rf "releases/$old"; done`,
  ].join('\n');
}

export function planDeploy(facts: DeployFacts, settings: InstallSettings): Plan {
  const { bundle } = facts;
  const wrapper = wrapperScript(settings.prefix);
  if (facts.deployedKey === bundle.key && facts.wrapper === wrapper) {
    return { kind: 'unchanged', reason: `cloudlet ${bundle.version} (${bundle.key}) is deployed in ${settings.prefix}` };
  }
  const staged = `/tmp/cloudlet-bundle-${bundle.key}.tar.gz`;
  const actions = [];
  if (facts.deployedKey !== bundle.key) {
    actions.push(
      { kind: 'upload' as const, description: `upload cloudlet ${bundle.version}`, localPath: bundle.path, remotePath: staged },
      { kind: 'command' as const, description: `install it in ${settings.prefix}/releases/${bundle.key}`, command: sh`sh -c ${installScript(settings.prefix, bundle.key, staged)}` },
    );
  }
  actions.push({ kind: 'file' as const, description: `${WRAPPER_PATH} runs it`, path: WRAPPER_PATH, content: wrapper, mode: '0755' });
  return { kind: 'change', actions };
}

export const deploySdk = defineStep<DeployFacts>({
  name: 'deploy-sdk',
  title: 'Deploy the SDK',
  async gather(ctx, settings) {
    const bundle = await sdkBundle();
    const key = await ctx.run(sh`cat ${`${settings.prefix}/current/BUNDLE`}`, { check: false, quiet: true });
    const wrapper = await ctx.run(sh`cat ${WRAPPER_PATH}`, { check: false, quiet: true });
    return { bundle, deployedKey: key.exitCode === 0 ? key.stdout.trim() : null, wrapper: wrapper.exitCode === 0 ? wrapper.stdout : null };
  },
  plan: planDeploy,
});
