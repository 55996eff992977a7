// The SDK's public API (`cloudlet-tasks/sdk`): the operations the `cloudlet` command is built
// on, their option and result types, the progress event and the typed errors. Formats and
// their codecs (overlay meta, VM state, zip, memory streams) stay internal. The names are
// checked by test/api/public-api.test.ts; the docs are `npm run docs`.
export { packageVersion } from './version.js';
// The error root every SDK, native and runner error extends: `code`, `category`, and errorData for JSON.
export { CloudletError, UsageError, errorData, type ErrorCategory, type ErrorData } from './errors/cloudlet-error.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck, type DoctorOptions } from './doctor/index.js';
export type { CheckLevel } from './doctor/checks.js';
// The one progress event every long call's onProgress receives (its table is in sdk/progress/progress-event.ts).
export { PROGRESS_EVENT_VERSION, type Phase, type Progress, type ProgressListener } from './progress/progress-event.js';

// Overlays: make one from a base and a customized VM, read what one holds, synthesize from one.
export { createOverlay, type OverlayBase, type CustomizedVm, type CreateOverlayInput, type CreateOverlayOptions, type CreateOverlayResult } from './overlay/create/create-overlay.js';
export type { DeltaAlgorithm } from './overlay/delta/delta-encoder.js';
export type { EncoderStats } from './overlay/encode/item-encoder.js';
export type { ItemKind, Encoding } from './overlay/items/item-format.js';
export type { OverlayMeta, BlobMeta, BlobCodec } from './overlay/package/meta.js';
export type { ChunkRange } from './overlay/package/chunk-ranges.js';
export { overlayInfo, type OverlayInfo } from './overlay/info/overlay-info.js';
export { formatOverlayInfo } from './overlay/info/format-info.js';
export { generateSigningKey, readSigningKey, readTrustedKeys, keyId, type OverlaySigningKey, type TrustedKey } from './overlay/package/signing-keys.js';
export { synthesize, type SynthesizeInput, type SynthesizeOptions, type SynthesizeResult, type OpenedOverlay } from './synthesis/synthesize.js';

// Base VMs, registered under the cloudlet directory (~/.cloudlet).
export { createBase, type CreateBaseOptions } from './base/create-base.js';
export { importBase, type ImportBaseOptions } from './base/import-base.js';
export { exportBase, type ExportBaseOptions, type ExportedBase } from './base/export-base.js';
export { listBases } from './base/manage-bases.js';
export { deleteBase } from './vms/delete-base.js';
export type { BaseRecord, BaseVm } from './base/base-record.js';
export type { CloudletDirOptions } from './base/cloudlet-dir.js';
export type { RamPageLayout } from './base/memory-pages.js';
export type { DomainType, VmHardware } from './vm/domain-xml.js';
export type { Readiness } from './vm/readiness.js';
export type { PortForward } from '../native/libvirt/port-forward.js';

// Synthesized VMs: launched from a base plus an overlay, listed, attached to, destroyed.
export { synthesizeVm, type SynthesizeVmOptions } from './vms/synthesize-vm.js';
export { synthesizeVmFromStream, type StreamSynthesisOptions } from './vms/stream-synthesis.js';
export { earlyStartVm, type EarlyStartOptions, type EarlyStartedVm } from './early-start/early-start-vm.js';
export { LazyDiskFailedError } from './early-start/errors.js';
export type { EarlyDiskStats } from './early-start/early-synthesize.js';
export { fetchOverlay, type FetchOverlayOptions } from './vms/fetch-overlay.js';
export type { DownloadPolicy } from './vms/download-overlay.js';
export { launchVm, type LaunchSource, type LaunchOptions } from './vms/launch-vm.js';
export { launchBase, listVms, destroyVm, type VmStatus, type ManageVmOptions } from './vms/manage-vms.js';
export { createVmOverlay, type CreateVmOverlayOptions, type VmOverlay } from './customize/create-vm-overlay.js';
export type { Customization } from './customize/console-input.js';
export type { SshScript } from './customize/ssh-script.js';
export type { SshTarget, HostKeyCheck } from './customize/ssh-command.js';
export type { DomainStateName } from '../native/libvirt/domain.js';
export { attachConsole, attachConsoleSocket, CONSOLE_ESCAPE, type ConsoleEnd, type ConsoleStreams } from './vms/vm-console.js';
export type { VmRecord, LaunchedVm } from './vms/vm-record.js';

// The synthesis server (`cloudlet serve`) and its client: synthesize on a remote cloudlet over HTTPS.
export { remoteSynthesize, remoteListVms, remoteListBases, remoteDestroyVm, remoteHealth, type RemoteSynthesisOptions, type RemoteServerOptions, type RemoteBase, type ApiVm } from './server/client.js';
export { startServer, type ServeOptions, type ServerTimeouts, type SynthesisServer } from './server/server.js';
export type { LogSink } from './server/request-log.js';
export { loadTlsIdentity, type TlsIdentity, type TlsIdentityOptions } from './server/tls-identity.js';
export { TokenStore, type TokenEntry } from './server/token-store.js';

// Errors users match on: every one is a CloudletError with a stable `code` (sdk/errors/ERRORS.md).
export * from './overlay/create/errors.js';
export * from './overlay/package/errors.js';
export * from './overlay/package/signature-errors.js';
export * from './overlay/package/stream-errors.js';
export * from './synthesis/errors.js';
export * from './base/errors.js';
export * from './vms/errors.js';
export * from './vms/download-errors.js';
export * from './customize/errors.js';
export * from './customize/ssh-errors.js';
export * from './files/errors.js';
export * from './server/errors.js';
