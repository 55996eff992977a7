/** Synthesized VMs: synthesize one from a base and an overlay (a path or a URL), resume a saved VM under libvirt as a new VM, list them, attach to their console, destroy them; their registry. */
export { launchVm, type LaunchSource, type LaunchOptions } from './launch-vm.js';
export { launchBase, listVms, destroyVm, type VmStatus, type ManageVmOptions } from './manage-vms.js';
export { deleteBase } from './delete-base.js';
export { synthesizeVm, type SynthesizeVmOptions } from './synthesize-vm.js';
export { synthesizeVmFromStream, type StreamSynthesisOptions } from './stream-synthesis.js';
export { fetchOverlay, type FetchOverlayOptions } from './fetch-overlay.js';
export { attachConsole, attachConsoleSocket, CONSOLE_ESCAPE, type ConsoleEnd, type ConsoleStreams } from './vm-console.js';
export { downloadOverlay, isOverlayUrl, DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from './download-overlay.js';
export { overlaySizeBound } from './overlay-size-bound.js';
export { VmRegistry } from './vm-registry.js';
export { VM_FILES, type VmRecord, type LaunchedVm } from './vm-record.js';
export type { Progress, ProgressListener } from '../progress/index.js';
export * from './errors.js';
export * from './download-errors.js';
