// The runner's public API (`cloudlet-tasks/tasks`): what a tasks file and a program that drives
// the runner use. Everything else under tasks/ is internal. The names are checked by
// test/api/public-api.test.ts; the docs are `npm run docs`.

// Writing tasks: commands as quoted values, typed options, the per-host context.
export { sh, secret, raw, Secret, RawFragment, type Command, type CommandValue } from './command/command.js';
export { defineTask, type Task, type OptionSpecs, type OptionSpec, type OptionType, type OptionValue, type OptionValues } from './task/define-task.js';
export type { TaskContext, CommandResult, RunOptions, LocalOptions, SudoOptions, PutOptions, RunScope } from './task/task-context.js';
export type { UploadOptions, UploadResult } from './transfer/resumable-upload.js';
export type { Progress, Phase } from '../sdk/progress/index.js';
// The SDK on the task's host (`ctx.cloudlet`).
export type { CloudletApi } from './cloudlet/host-cloudlet.js';
export type { RemoteBase, RemoteVm, RemoteCloudletSettings } from './cloudlet/remote-cloudlet.js';
export type { BaseArchive } from './cloudlet/base-source.js';
export type { PushBaseResult, TransferOptions } from './cloudlet/push-base.js';
export type { SynthesizedVm, SynthesizeOptions, SynthesisServerOptions } from './cloudlet/synthesize.js';
export type { FetchedOverlay, RemoteOverlayOptions } from './cloudlet/create-overlay.js';
// Facts: read-only probes, run once per host (`ctx.fact(osRelease)`).
export { defineFact, type Fact } from './facts/fact.js';
export { osRelease, type OsRelease } from './facts/os-release.js';
export { systemInfo, type SystemInfo } from './facts/system.js';
export { cpuInfo, type CpuInfo } from './facts/cpu.js';
// Steps: check, then change; `applySteps` runs them in a task body.
export { defineStep, HostRefused, type Step, type Plan, type Action, type UploadSource, type StepReport, type StepStatus } from './install/step.js';
export { applySteps, StepError } from './install/apply-steps.js';
// Running a task from code.
export { runTask, type RunSettings } from './run/runner.js';
export type { RetryPolicy } from './run/retry.js';
export type { RunEvent, StepEvent, EventSink, RunSummary, BatchStop, HostResult, HostStatus, ErrorInfo } from './run/events.js';
export { hostTarget, type HostTarget } from './inventory/host-target.js';
export { connectSsh, defaultSshSettings, type SshSettings } from './connection/ssh-connection.js';
export type { HostKeyPolicy } from './connection/host-key-check.js';
export type { AuthSettings } from './connection/ssh-auth.js';
export type { Connection, ExecOptions, ExecResult, OutputStream, PromptResponder, PutRangeOptions, StopReason } from './connection/connection.js';
export { Masker } from './command/masker.js';
// Errors: every one is a CloudletError with a stable `code`.
export * from './errors.js';
export { UploadCorruptError, UploadNoSpaceError } from './transfer/errors.js';
export { RemoteCloudletError, CloudletVersionError, RemoteProtocolError, OverlayForOtherBaseError, RemoteBaseUnknownError, ServerTokenFileError, ServerTokenRefusedError, ServerPinMismatchError, ServerUnreachableHostError } from './cloudlet/errors.js';
// Playbooks: `cloudlet-tasks play FILE`, and the step kinds they are made of.
export { definePlaybook, type PlaybookSpec, type PlaybookStep, type PlaybookValue } from './playbook/define-playbook.js';
export type { StepKind, StepEnv, ArgProblem } from './playbook/step-kind.js';
export { PlaybookError, type PlaybookProblem } from './playbook/errors.js';
