/** `cloudlet import-base <archive>` and `cloudlet export-base <base> <archive>`: bases to and from zip archives. */
import { exportBase, importBase } from '../base/index.js';
import { COMMON_OPTIONS, defineCommand, sdkOptions, UsageError } from './command.js';
import { renderer } from './render-progress.js';

export const importBaseCommand = defineCommand({
  name: 'import-base',
  summary: 'register a base VM from an archive (its ID is checked against the disk)',
  operands: ['<archive.zip>'],
  options: { name: { type: 'string' }, ...COMMON_OPTIONS },
  async run({ values, positionals }, io) {
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
});

export const exportBaseCommand = defineCommand({
  name: 'export-base',
  summary: 'write a base VM to a zip archive (never replaces a file)',
  operands: ['<base>', '<archive.zip>'],
  options: { level: { type: 'string', default: '1', placeholder: '0-9' }, ...COMMON_OPTIONS },
  async run({ values, positionals }, io) {
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
});
