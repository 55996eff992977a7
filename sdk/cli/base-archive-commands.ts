/** `cloudlet import-base <archive>` and `cloudlet export-base <base> <archive>`: bases to and from zip archives. */
import { exportBase, importBase } from '../base/index.js';
import { COMMON_OPTIONS, parseCommandArgs, sdkOptions, UsageError, type Command } from './command.js';
import { renderer } from './render-progress.js';

export const importBaseCommand: Command = {
  name: 'import-base',
  usage: 'import-base <archive.zip> [--name NAME] [--json]',
  summary: 'register a base VM from an archive (its ID is checked against the disk)',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { ...COMMON_OPTIONS, name: { type: 'string' } }, [1, 1]);
    const render = renderer(io, values.json);
    const { cloudletDir } = sdkOptions(values, io);
    const base = await importBase(positionals[0]!, {
      ...(cloudletDir ? { cloudletDir } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      onProgress: render.progress,
      signal: io.signal,
    });
    render.result([`base ${base.id}  ${base.name}`, `  in ${base.dir}`], { base: { id: base.id, name: base.name, dir: base.dir } });
    return 0;
  },
};

export const exportBaseCommand: Command = {
  name: 'export-base',
  usage: 'export-base <base> <archive.zip> [--level 0-9] [--json]',
  summary: 'write a base VM to a zip archive (never replaces a file)',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { ...COMMON_OPTIONS, level: { type: 'string', default: '1' } }, [2, 2]);
    if (!/^\d$/.test(values.level)) throw new UsageError(`--level must be 0 to 9, not '${values.level}'`);
    const render = renderer(io, values.json);
    const { cloudletDir } = sdkOptions(values, io);
    const exported = await exportBase(positionals[0]!, positionals[1]!, {
      ...(cloudletDir ? { cloudletDir } : {}),
      compressionLevel: Number(values.level),
      onProgress: render.progress,
      signal: io.signal,
    });
    render.result([`exported base ${exported.id} to ${exported.archive} (${exported.bytes} bytes)`], { exported });
    return 0;
  },
};
