// `cloudlet-tasks -H HOSTS push-base BASE`: one base onto every host, skipped where it is already
// registered, uploaded resumably (a cut connection or Ctrl-C continues on the next run), checked
// whole, imported by the host's `cloudlet import-base` (which checks the base ID). With --relay the
// hosts pass the archive on to each other over SSH (tasks/cloudlet/relay-*.ts).
import { baseArchive } from '../cloudlet/base-source.js';
import type { PushBaseResult } from '../cloudlet/push-base.js';
import { parseRate, RATE_OPTION, REMOTE_OPTIONS, remoteSettings } from '../cloudlet/remote-options.js';
import { UsageError } from '../errors.js';
import { seconds } from '../render/format.js';
import { defineTask } from '../task/define-task.js';
import { hostTable } from './host-table.js';

export const pushBaseTask = defineTask({
  name: 'push-base',
  help: 'put a base VM on every host: an archive made by `cloudlet export-base`, or a base of your own registry (skipped where present; resumable)',
  operands: ['base'],
  options: {
    base: { type: 'string', help: 'an export-base archive, or the ID, ID prefix or name of a base in your registry' },
    'local-cloudlet-dir': { type: 'string', help: 'your own cloudlet directory, where BASE is looked up when it is no file (default ~/.cloudlet)' },
    relay: { type: 'boolean', help: 'hosts that have the archive send it on to the others (one-transfer keys, host to host), so the operator sends it about once' },
    fanout: { type: 'number', help: 'with --relay: how many hosts each host sends the archive to at once', default: 2 },
    ...REMOTE_OPTIONS,
    ...RATE_OPTION,
  },
  validate(options) {
    if (!options.base) throw new UsageError('push-base needs BASE: an archive made by `cloudlet export-base`, or a base of your registry');
    parseRate(options['limit-rate']);
    if (!(Number.isInteger(options.fanout) && options.fanout >= 1)) throw new UsageError(`--fanout ${options.fanout}: give a whole number of at least 1`);
  },
  async body(ctx): Promise<PushBaseResult> {
    const localDir = ctx.options['local-cloudlet-dir'];
    const archive = await baseArchive(ctx.options.base!, localDir ? { cloudletDir: localDir } : {});
    const rate = parseRate(ctx.options['limit-rate']);
    const result = await ctx.cloudlet.with(remoteSettings(ctx.options)).pushBase(archive, {
      ...(rate ? { bytesPerSecond: rate } : {}),
      ...(ctx.options.relay ? { relayFanout: ctx.options.fanout } : {}),
    });
    const from = result.source && result.source !== 'operator' ? ` from ${result.source}` : '';
    const direct = result.relayNote ? ` from the operator (${result.relayNote})` : '';
    ctx.log(
      {
        present: `base ${archive.id.slice(0, 12)} (${archive.name}) is there already: nothing sent`,
        'would-import': `would upload ${archive.path} (${archive.size} bytes) and import base ${archive.id.slice(0, 12)}`,
        imported: `imported base ${archive.id.slice(0, 12)} (${archive.name}); sent ${result.upload?.sentBytes ?? 0} bytes${from}${direct}${result.upload?.resumedFrom ? `, resumed at byte ${result.upload.resumedFrom}` : ''}`,
      }[result.status],
    );
    return result;
  },
  report: (results) =>
    hostTable(
      results,
      ['BASE', 'NAME', 'STATUS', 'SENT', 'FROM', 'TIME'],
      (r: PushBaseResult) => [[r.base.slice(0, 12), r.name, r.status, `${((r.upload?.sentBytes ?? 0) / 1e6).toFixed(1)} MB`, r.source ?? '-', seconds(r.durationMs)]],
      'nothing pushed',
    ),
});
