// The one contract every transport fulfils. Tasks never see a transport: they get a
// task context (task/task-context.ts) that builds sudo, cd and env on top of this.
import type { HostTarget } from '../hosts/host-target.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  /** What is shown for this command (secrets already masked). */
  readonly display: string;
  /** Stops the command after this long; undefined waits forever. */
  readonly timeoutMs?: number;
  /** Called with each chunk of output as it arrives (prompts already removed). */
  readonly onData?: (stream: OutputStream, chunk: string) => void;
  /** Data for the command's stdin, then stdin is closed (unless holdStdin). */
  readonly stdin?: string;
  /** Keep stdin open until the command ends: the remote guard reads its end as the liveness signal. */
  readonly holdStdin?: boolean;
  /** Answers one prompt on stderr (sudo's); a second prompt means the answer was refused. */
  readonly responder?: PromptResponder;
}

export interface PromptResponder {
  /** A text unique enough never to appear in real output. */
  readonly prompt: string;
  readonly answer: string;
}

export interface ExecResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The responder's answer was refused (its prompt came again); the command was stopped. */
  readonly answerRefused: boolean;
}

export interface Connection {
  readonly host: HostTarget;
  /** Runs shell text with the login user's shell; never throws for a non-zero exit. */
  exec(text: string, options: ExecOptions): Promise<ExecResult>;
  /** Uploads a local file (SFTP). */
  put(localPath: string, remotePath: string): Promise<void>;
  /** Downloads a remote file (SFTP). */
  get(remotePath: string, localPath: string): Promise<void>;
  close(): Promise<void>;
}
