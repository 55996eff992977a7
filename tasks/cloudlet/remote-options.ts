// The options every remote-SDK task shares: as whom and where `cloudlet` runs on the hosts, which
// build they must run, and how fast uploads may go.
import { UsageError } from '../errors.js';
import { deployOnly } from '../install/install-task.js';
import type { OptionSpecs, OptionValues } from '../task/define-task.js';
import type { RemoteCloudletSettings } from './remote-cloudlet.js';

export const REMOTE_OPTIONS = {
  'vm-user': { type: 'string', help: 'run cloudlet as this host user (sudo -u); default: the login user' },
  'cloudlet-dir': { type: 'string', help: "the hosts' cloudlet directory (default: the VM user's ~/.cloudlet)" },
  prefix: { type: 'string', help: 'where install deployed the SDK on the hosts', default: '/opt/cloudlet-tasks' },
  deploy: { type: 'boolean', help: "deploy this operator's SDK build on hosts that run another (needs sudo)" },
} as const satisfies OptionSpecs;

export const RATE_OPTION = {
  'limit-rate': { type: 'string', help: 'upload at most this many bytes per second per host (20M, 500k)' },
} as const satisfies OptionSpecs;

/** The RemoteCloudlet settings the options ask for. */
export function remoteSettings(options: OptionValues<typeof REMOTE_OPTIONS>): RemoteCloudletSettings {
  const prefix = options.prefix;
  return {
    ...(options['vm-user'] ? { vmUser: options['vm-user'] } : {}),
    ...(options['cloudlet-dir'] ? { cloudletDir: options['cloudlet-dir'] } : {}),
    prefix,
    ...(options.deploy ? { deploy: (ctx) => deployOnly(ctx, prefix) } : {}),
  };
}

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `--limit-rate` as bytes per second (curl's and rsync's suffixes: k, M, G, powers of 1024). */
export function parseRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text.trim());
  const rate = match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!(rate >= 1024)) throw new UsageError(`--limit-rate '${text}': give bytes per second of at least 1k, such as 500k or 20M`);
  return Math.floor(rate);
}
