/** What an overlay package holds, checked as synthesis would; `cloudlet info-overlay` (sdk/cli) shows it. */
export { overlayInfo, type OverlayInfo } from './overlay-info.js';
export { formatOverlayInfo } from './format-info.js';
