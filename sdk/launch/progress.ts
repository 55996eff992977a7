/**
 * What launching a VM reports while it runs. The events have the shapes of sdk/base's, so one
 * renderer in the CLI serves both.
 */
import type { StepProgress } from '../base/progress.js';

export type LaunchStep =
  | 'check' | 'copy' | 'register' | 'restore' | 'forward'
  /** cloudlet synthesis */
  | 'download' | 'synthesize' | 'wrap'
  /** cloudlet overlay */
  | 'layer' | 'customize' | 'save' | 'overlay';

export type LaunchProgress = StepProgress<LaunchStep>;

export type LaunchProgressListener = (event: LaunchProgress) => void;

export { runStep as runLaunchStep } from '../base/progress.js';
