/** Scratch directories swept after a crash. */
export { isAlive, makeScratchDir, sweepDeadScratchDirs } from './scratch-dir.js';
