/** Synthesized VMs: resume a saved VM under libvirt as a new VM, list them, destroy them; their registry; overlays from a customized base. */
export { launchVm, type LaunchSource, type LaunchOptions } from './launch-vm.js';
export { launchBase, listVms, destroyVm, type VmStatus, type ManageVmOptions } from './manage-vms.js';
export { synthesizeVm, type SynthesizeVmOptions } from './synthesize-vm.js';
export { attachConsole, attachConsoleSocket, CONSOLE_ESCAPE, type ConsoleEnd, type ConsoleStreams } from './vm-console.js';
export { createVmOverlay, type CreateVmOverlayOptions, type VmOverlay } from './create-vm-overlay.js';
export { customizeVm, type Customization, type VmConsole } from './console-input.js';
export { runSshScript, type SshScript, type SshScriptContext, type SshScriptResult } from './ssh-script.js';
export { sshArgs, classifySshFailure, formatDestination, type SshTarget, type HostKeyCheck, type SshFailure } from './ssh-command.js';
export { keyFingerprint, FINGERPRINT } from './ssh-fingerprint.js';
export * from './ssh-errors.js';
export { downloadOverlay, isOverlayUrl, DEFAULT_MAX_DOWNLOAD_BYTES } from './download-overlay.js';
export { VmRegistry } from './vm-registry.js';
export { VM_FILES, type VmRecord, type LaunchedVm } from './vm-record.js';
export type { Progress, ProgressListener } from '../progress/index.js';
export * from './errors.js';
