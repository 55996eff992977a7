/** Scratch directories swept after a crash. */
export { makeScratchDir, sweepDeadScratchDirs } from './scratch-dir.js';
