/**
 * What launching a VM reports while it runs. The events have the shapes of sdk/base's, so one
 * renderer in the CLI serves both; a customization script's output is an event too, since the SDK
 * never prints.
 */
import type { StepProgress } from '../base/progress.js';

export type LaunchStep =
  | 'check' | 'copy' | 'register' | 'restore' | 'forward'
  /** cloudlet synthesis */
  | 'download' | 'synthesize' | 'wrap'
  /** cloudlet overlay */
  | 'layer' | 'script' | 'customize' | 'save' | 'overlay';

export type LaunchProgress =
  | StepProgress<LaunchStep>
  /** A line the customization script wrote in the guest (cloudlet overlay --ssh). */
  | { kind: 'script-output'; stream: 'stdout' | 'stderr'; line: string };

export type LaunchProgressListener = (event: LaunchProgress) => void;

export { runStep as runLaunchStep } from '../base/progress.js';
