/** Customizing a base into an overlay: resume the base, type on its console or run a script over SSH, then make the overlay of what changed. */
export { createVmOverlay, type CreateVmOverlayOptions, type VmOverlay } from './create-vm-overlay.js';
export { customizeVm, type Customization, type VmConsole } from './console-input.js';
export { runSshScript, type SshScript, type SshScriptContext, type SshScriptResult } from './ssh-script.js';
export { sshArgs, classifySshFailure, formatDestination, type SshTarget, type HostKeyCheck, type SshFailure } from './ssh-command.js';
export { keyFingerprint, FINGERPRINT } from './ssh-fingerprint.js';
export * from './ssh-errors.js';
export type { Progress, ProgressListener } from '../progress/index.js';
export * from './errors.js';
