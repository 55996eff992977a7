// Step 9 with --server: `cloudlet serve` as the systemd service cloudlet-serve, running as the VM
// user (never root: its cloudlet directory, tokens and TLS key are that user's), started after
// libvirtd and restarted when it fails. Without systemd the step is skipped with what to do.
import { sh } from '../../command/command.js';
import { initSystem, type InitSystem } from '../../facts/host-resources.js';
import { defineStep, type InstallSettings, type Plan } from '../step.js';

export const SERVER_UNIT = '/etc/systemd/system/cloudlet-serve.service';

export interface ServerServiceFacts {
  readonly init: InitSystem;
  /** null when the unit file does not exist. */
  readonly unit: string | null;
  readonly enabled: boolean;
  readonly active: boolean;
}

/** The unit for `user`; SIGTERM makes cloudlet serve abort its syntheses, clean up and exit 0. */
export function serverUnit(user: string): string {
  return `[Unit]
Description=cloudlet synthesis server (cloudlet serve, HTTPS on 8021)
After=network-online.target libvirtd.service
Wants=network-online.target libvirtd.service

[Service]
User=${user}
ExecStart=/usr/local/bin/cloudlet serve
Restart=on-failure
RestartSec=5
TimeoutStopSec=120
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full

[Install]
WantedBy=multi-user.target
`;
}

export function planServerService(facts: ServerServiceFacts, settings: Pick<InstallSettings, 'user' | 'server'>): Plan {
  if (settings.server !== true) return { kind: 'skipped', reason: 'not asked for (install --server runs cloudlet serve as a systemd service)' };
  if (facts.init !== 'systemd') return { kind: 'skipped', reason: `no systemd on this host: run 'cloudlet serve' as ${settings.user} from the host's init system` };
  const tokens = `make a client token: sudo -u ${settings.user} cloudlet token create NAME; the certificate's fingerprint is in journalctl -u cloudlet-serve`;
  const unit = serverUnit(settings.user);
  if (facts.unit !== unit) {
    return {
      kind: 'change',
      notes: [tokens],
      actions: [
        { kind: 'file', description: `${SERVER_UNIT} (User=${settings.user})`, path: SERVER_UNIT, content: unit, mode: '0644' },
        { kind: 'command', description: 'systemctl daemon-reload, enable and (re)start cloudlet-serve', command: sh`systemctl daemon-reload && systemctl enable cloudlet-serve && systemctl restart cloudlet-serve` },
      ],
    };
  }
  if (facts.enabled && facts.active) return { kind: 'unchanged', reason: `cloudlet-serve is active and enabled, as ${settings.user}` };
  return { kind: 'change', notes: [tokens], actions: [{ kind: 'command', description: 'systemctl enable --now cloudlet-serve', command: sh`systemctl enable --now cloudlet-serve` }] };
}

export const serverService = defineStep<ServerServiceFacts, InstallSettings>({
  name: 'server',
  title: 'synthesis server',
  async gather(ctx, settings) {
    const init = await ctx.fact(initSystem);
    if (settings.server !== true || init !== 'systemd') return { init, unit: null, enabled: false, active: false };
    const unit = await ctx.run(sh`cat ${SERVER_UNIT}`, { check: false, quiet: true });
    const enabled = await ctx.run(sh`systemctl is-enabled cloudlet-serve`, { check: false, quiet: true });
    const active = await ctx.run(sh`systemctl is-active cloudlet-serve`, { check: false, quiet: true });
    return { init, unit: unit.exitCode === 0 ? unit.stdout : null, enabled: enabled.stdout.trim() === 'enabled', active: active.stdout.trim() === 'active' };
  },
  plan: planServerService,
});
