// Step 8: the `cloudlet` command on the host: this package's SDK, its packages and the Node.js
// runtime for the host's CPU under <prefix>/releases/<key>, `current` pointing at it, and
// /usr/local/bin/cloudlet. The bundle is made (or fetched) only when the host needs it: a host
// that already runs this key costs two remote reads. See ../bundle/ for what is shipped and how
// root installs it.
import { sh } from '../../command/command.js';
import { systemInfo } from '../../facts/index.js';
import { hostBundle, bundleKey } from '../bundle/host-bundle.js';
import { readHostLock } from '../bundle/host-lock.js';
import { installScript } from '../bundle/install-script.js';
import { hostArch, type HostArch } from '../bundle/node-runtime.js';
import { defineStep, HostRefused, type InstallSettings, type Plan } from '../step.js';

export interface DeployFacts {
  readonly arch: HostArch;
  /** The key of the bundle this operator would deploy there. */
  readonly key: string;
  /** The bundle key of the deployed release, null when none. */
  readonly deployedKey: string | null;
  readonly wrapper: string | null;
  /** Addons the release must load before it is switched. */
  readonly load: readonly string[];
}

export const WRAPPER_PATH = '/usr/local/bin/cloudlet';

export function wrapperScript(prefix: string): string {
  return `#!/bin/sh\n# Installed by cloudlet-tasks install.\nexec ${sh`${`${prefix}/current/runtime/bin/node`} ${`${prefix}/current/dist/sdk/cli.js`}`.text} "$@"\n`;
}

export function planDeploy(facts: DeployFacts, settings: InstallSettings): Plan {
  const wrapper = wrapperScript(settings.prefix);
  if (facts.deployedKey === facts.key && facts.wrapper === wrapper) {
    return { kind: 'unchanged', reason: `cloudlet ${facts.key} is deployed in ${settings.prefix}` };
  }
  const actions = [];
  if (facts.deployedKey !== facts.key) {
    actions.push({
      kind: 'upload' as const,
      description: `upload cloudlet ${facts.key} and install it in ${settings.prefix}/releases (native addons built on the host)`,
      source: () => hostBundle(facts.arch),
      then: (staged: string, source: { sha256: string }) =>
        sh`sh -c ${installScript({ prefix: settings.prefix, key: facts.key, arch: facts.arch, staged, sha256: source.sha256, load: facts.load })}`,
    });
  }
  actions.push({ kind: 'file' as const, description: `${WRAPPER_PATH} runs it`, path: WRAPPER_PATH, content: wrapper, mode: '0755' });
  return { kind: 'change', actions };
}

export const deploySdk = defineStep<DeployFacts, InstallSettings>({
  name: 'deploy-sdk',
  title: 'Deploy the SDK',
  async gather(ctx, settings) {
    const { arch: machine } = await ctx.fact(systemInfo);
    const arch = hostArch(machine);
    // Preflight refuses these first; this guards a step list without it.
    if (!arch) throw new HostRefused(`no Node.js runtime for ${machine}`);
    const [key, wrapper] = await Promise.all([
      ctx.run(sh`cat ${`${settings.prefix}/current/BUNDLE`}`, { check: false, quiet: true }),
      ctx.run(sh`cat ${WRAPPER_PATH}`, { check: false, quiet: true }),
    ]);
    return {
      arch,
      key: bundleKey(arch),
      deployedKey: key.exitCode === 0 ? key.stdout.trim() : null,
      wrapper: wrapper.exitCode === 0 ? wrapper.stdout : null,
      load: readHostLock().load,
    };
  },
  plan: planDeploy,
});
