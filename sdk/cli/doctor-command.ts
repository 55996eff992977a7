/** `cloudlet doctor`: what works on this host for VM synthesis; exit 1 when something the SDK needs fails. */
import { doctor, formatDoctorReport } from '../doctor/index.js';
import { defineCommand } from './command.js';

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'what works on this host: KVM or TCG, QEMU, libvirt, FUSE, free space',
  operands: [],
  options: { json: { type: 'boolean', default: false } },
  async run({ values }, io) {
    const report = await doctor();
    io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatDoctorReport(report)}\n`);
    return report.ok ? 0 : 1;
  },
});
