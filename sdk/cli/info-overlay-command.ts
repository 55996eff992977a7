/** `cloudlet info-overlay OVERLAY`: what an overlay package holds, after the checks synthesis makes. */
import { formatOverlayInfo, overlayInfo } from '../overlay/index.js';
import { defineCommand, jsonErrorLine } from './command.js';
import { TRUST_OPTION, trustedKeysOption } from './trust-option.js';

export const infoOverlayCommand = defineCommand({
  name: 'info-overlay',
  summary: 'what an overlay package holds (format, base VM ID, signer, sizes, blobs), after checking it (and its signature with --trust)',
  operands: ['OVERLAY'],
  options: { ...TRUST_OPTION, json: { type: 'boolean', default: false } },
  async run({ values, positionals }, io) {
    const path = positionals[0]!;
    const trust = await trustedKeysOption(values.trust);
    const info = await overlayInfo(path, trust).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (info instanceof Error) {
      // The error's class says which check refused the package (ChecksumError, BaseVmMismatchError, …).
      io.stderr.write(`cloudlet info-overlay: refused ${path}: ${info.name}: ${info.message}\n`);
      if (values.json) io.stdout.write(jsonErrorLine(info));
      return 1;
    }
    io.stdout.write(values.json ? `${JSON.stringify(info)}\n` : `${formatOverlayInfo(info)}\n`);
    return 0;
  },
});
