/** `cloudlet keygen OUT`: an ed25519 key pair that signs overlays (OUT, 0600) and lets synthesis trust them (OUT.pub). */
import { generateSigningKey } from '../overlay/index.js';
import { defineCommand } from './command.js';
import { renderer } from './render-progress.js';

export const keygenCommand = defineCommand({
  name: 'keygen',
  summary: 'make an ed25519 key pair for signed overlays: OUT (private, mode 0600) for overlay --sign, OUT.pub for synthesis --trust',
  operands: ['OUT'],
  options: { json: { type: 'boolean', default: false } },
  async run({ values, positionals }, io) {
    const out = positionals[0]!;
    const key = await generateSigningKey(out);
    renderer(io, values.json).result(
      [`private key ${out} (mode 0600: keep it secret; cloudlet overlay --sign ${out})`, `public key  ${out}.pub (cloudlet synthesis --trust ${out}.pub)`, `key ID      ${key.id}`],
      { key: { private: out, public: `${out}.pub`, id: key.id } },
    );
    return 0;
  },
});
