// `cloudlet-tasks -H web1,web2 run -- uptime`: an ad-hoc command on every host. The words
// after `--` form the shell text, as with `ssh host words...`.
import { UsageError } from '../errors.js';
import { defineTask } from '../task/define-task.js';

export const runCommand = defineTask({
  name: 'run',
  help: 'run an ad-hoc shell command on every host (words after --)',
  acceptsArgs: true,
  options: {
    sudo: { type: 'boolean', help: 'run the command as root through sudo' },
    'as-user': { type: 'string', help: 'with --sudo, run as this user instead of root' },
  },
  validate(options, args) {
    if (args.length === 0) throw new UsageError("run needs a command after '--', for example: run -- uptime");
    if (options['as-user'] && !options.sudo) throw new UsageError('--as-user needs --sudo');
  },
  async body(ctx) {
    const text = ctx.args.join(' ');
    if (ctx.dryRun) {
      ctx.log(`would run${ctx.options.sudo ? ' with sudo' : ''}: ${text}`);
      return undefined;
    }
    const user = ctx.options['as-user'];
    if (ctx.options.sudo) await ctx.sudo(text, user ? { user } : {});
    else await ctx.run(text);
    return undefined;
  },
});
