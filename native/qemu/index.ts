export { QmpClient, type QmpEvent, type QmpGreeting } from './qmp-client.js';
export {
  saveMemory,
  restoreMemory,
  waitForMigration,
  type MigrationInfo,
  type MigrationResult,
  type SaveMemoryOptions,
  type RestoreMemoryOptions,
} from './memory-migration.js';
export {
  QmpError,
  QmpConnectionError,
  QmpCommandError,
  QmpClosedError,
  QmpTimeoutError,
  QmpProtocolError,
  MigrationFailedError,
} from './qmp-errors.js';
