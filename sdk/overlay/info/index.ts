/** What an overlay package holds, checked as synthesis would, and the `cloudlet info-overlay` command. */
export { overlayInfo, type OverlayInfo } from './overlay-info.js';
export { formatOverlayInfo } from './format-info.js';
export { runInfoOverlay, INFO_OVERLAY_COMMAND, type InfoCommandIo } from './info-command.js';
