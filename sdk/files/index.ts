/** Files the SDK writes: created exclusively, never through a symlink, private; moved into place without replacing anything. */
export { FileInTheWayError, OutputFileExistsError } from './errors.js';
export { placeFile } from './place-file.js';
export { createPrivateFile, PRIVATE_MODE, writePrivateFile, type PrivateFileOptions } from './private-file.js';
