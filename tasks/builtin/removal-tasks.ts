// `cloudlet-tasks destroy NAME` and `del-base BASE` on the selected hosts. NAME may use {host} and
// {index} as synthesis does, so `destroy 'web-{host}'` removes what `synthesis --name 'web-{host}'` made.
import { checkNameTemplate, expandName } from '../cloudlet/name-template.js';
import { REMOTE_OPTIONS, remoteSettings } from '../cloudlet/remote-options.js';
import { UsageError } from '../errors.js';
import { defineTask } from '../task/define-task.js';

export const destroyTask = defineTask({
  name: 'destroy',
  help: 'stop a synthesized VM on every host and remove its domain, files and record (NAME may use {host}, {index})',
  operands: ['name'],
  options: { name: { type: 'string', help: 'the VM, e.g. web-{host}' }, ...REMOTE_OPTIONS },
  validate(options) {
    if (!options.name) throw new UsageError('destroy needs NAME: the VM to remove (it may use {host} and {index})');
    checkNameTemplate(options.name, 'NAME');
  },
  async body(ctx) {
    const name = expandName(ctx.options.name!, { name: ctx.host.name, index: ctx.index });
    const cloudlet = ctx.cloudlet.with(remoteSettings(ctx.options));
    if (ctx.dryRun) {
      const present = (await cloudlet.vms()).some((vm) => vm.name === name);
      ctx.log(present ? `would destroy ${name}` : `no VM ${name}: nothing to do`);
      return { name, destroyed: false };
    }
    return { ...(await cloudlet.destroy(name)), destroyed: true };
  },
});

export const delBaseTask = defineTask({
  name: 'del-base',
  help: 'unregister a base VM on every host and delete its files',
  operands: ['base'],
  options: { base: { type: 'string', help: 'the base: ID, ID prefix or name' }, ...REMOTE_OPTIONS },
  validate(options) {
    if (!options.base) throw new UsageError('del-base needs BASE: the ID, ID prefix or name of the base to delete');
  },
  async body(ctx) {
    const cloudlet = ctx.cloudlet.with(remoteSettings(ctx.options));
    if (ctx.dryRun) {
      ctx.log(`would delete base ${ctx.options.base!}`);
      return undefined;
    }
    return cloudlet.deleteBase(ctx.options.base!);
  },
});
