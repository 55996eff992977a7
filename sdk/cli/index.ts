/** The `cloudlet` command modules: each declares its arguments, calls the SDK and renders its events. */
export { COMMANDS, dispatch, commandHelp, INTERRUPTED, type DispatchIo } from './commands.js';
export { UsageError, type CliIo, type Command } from './command.js';
export { renderer, type Renderer, type Progress } from './render-progress.js';
export { parseForwardOption } from './forward-option.js';
export { parseReadyOption, DEFAULT_READY, type ReadyChoice } from './ready-option.js';
export { parseSshOptions } from './ssh-option.js';
