/** Base VMs: create from a bootable raw disk, list, delete, export and import; the registry behind them. */
export { createBase, type CreateBaseOptions } from './create-base.js';
export { importBase, type ImportBaseOptions } from './import-base.js';
export { exportBase, type ExportBaseOptions, type ExportedBase } from './export-base.js';
export { listBases } from './manage-bases.js';
export { BaseRegistry, readdirOrNothing, type StagedDomain, type StagingDir } from './registry.js';
export { sweepStaleDomains } from './sweep-stale.js';
export { BASE_FILES, type BaseRecord, type BaseVm } from './base-record.js';
export { ARCHIVE_MEMBERS, type BaseArchiveManifest } from './archive-manifest.js';
export { cloudletDirLayout, type CloudletDir, type CloudletDirOptions } from './cloudlet-dir.js';
// The registry's file handling that sdk/vms and sdk/customize reuse for the VMs they stage and record.
export { checkFreeSpace, checkQemuCanReach } from './cloudlet-dir.js';
export { copyDisk, sha256File } from './disk-file.js';
export { shareWithQemu, SHARED_DISK_MODE } from './share-with-qemu.js';
export { replaceSaveImageXml } from './save-image-xml.js';
export { readJsonRecord, writeJsonRecord, syncDir } from './json-record.js';
export { withRegistryLock } from './registry-lock.js';
export { ramPageLayout, type RamPageLayout } from './memory-pages.js';
export { baseDomainName, baseDomainXml } from './base-domain.js';
export type { Progress, ProgressListener } from '../progress/index.js';
export * from './errors.js';
