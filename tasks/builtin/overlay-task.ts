// `cloudlet-tasks -H HOST overlay BASE --script FILE --fetch OUT.zip`: customize a VM on a host that
// has the base and bring the overlay back. OUT may use {host} and {index} when several hosts each
// make one.
import { checkNameTemplate, expandName } from '../cloudlet/name-template.js';
import type { FetchedOverlay } from '../cloudlet/create-overlay.js';
import { REMOTE_OPTIONS, remoteSettings } from '../cloudlet/remote-options.js';
import { UsageError } from '../errors.js';
import { defineTask } from '../task/define-task.js';

export const overlayTask = defineTask({
  name: 'overlay',
  help: "customize a VM from a host's base (a script typed on its console, or run over SSH) and fetch the overlay",
  operands: ['base'],
  acceptsArgs: true,
  options: {
    base: { type: 'string', help: "the host's base: ID, ID prefix or name" },
    script: { type: 'string', help: 'a local file whose lines are typed on the VM console' },
    type: { type: 'string', help: 'one line to type on the VM console' },
    fetch: { type: 'string', help: 'where the overlay lands here (must not exist; may use {host}, {index})' },
    ...REMOTE_OPTIONS,
  },
  validate(options) {
    if (!options.base) throw new UsageError("overlay needs BASE: the host's base to customize");
    if (!options.fetch) throw new UsageError('overlay needs --fetch OUT.zip: where the overlay lands on this machine');
    if (!options.script && !options.type) throw new UsageError('overlay needs --script FILE or --type LINE: what to change in the VM');
    checkNameTemplate(options.fetch, '--fetch');
  },
  async body(ctx): Promise<FetchedOverlay | undefined> {
    const fetch = expandName(ctx.options.fetch!, { name: ctx.host.name, index: ctx.index });
    if (ctx.dryRun) {
      ctx.log(`would customize base ${ctx.options.base!} and fetch the overlay to ${fetch}`);
      return undefined;
    }
    // Words after `--` go to the host's `cloudlet overlay` as they are (--wait-for, --settle, --ssh, …).
    return ctx.cloudlet.with(remoteSettings(ctx.options)).createOverlay(ctx.options.base!, {
      fetch,
      ...(ctx.options.script ? { script: ctx.options.script } : {}),
      ...(ctx.options.type ? { type: [ctx.options.type] } : {}),
      cloudletArgs: ctx.args,
    });
  },
});
