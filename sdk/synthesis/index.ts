/** Synthesis: a base VM plus an overlay package give back the customized VM's disk and memory snapshot. */
export { synthesize, type SynthesizeInput, type SynthesizeOptions, type SynthesizeResult, type OpenedOverlay } from './synthesize.js';
export { saveImageHeader, type SaveImageHeaderParts } from './save-image-header.js';
export * from './errors.js';
