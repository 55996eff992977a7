// The SDK's one progress event (the table is in progress-event.ts) and the helpers that emit it.
export { PROGRESS_EVENT_VERSION, within, type Phase, type Progress, type ProgressListener } from './progress-event.js';
export { byteCounter, phaseSequence, runPhase, type PhaseSequence } from './run-phase.js';
