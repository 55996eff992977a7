// The one contract every transport fulfils (ssh-connection.ts, local-connection.ts). Tasks
// never see a transport: they get a task context (task/task-context.ts) that builds sudo, cd
// and env on top of this.
import type { HostTarget } from '../inventory/host-target.js';

/** Which output a chunk came from. */
export type OutputStream = 'stdout' | 'stderr';

/** How a Connection runs one command. */
export interface ExecOptions {
  /** What is shown for this command (secrets already masked). */
  readonly display: string;
  /** Stops the command after this long (then `stopped` is 'timeout'); undefined waits forever. */
  readonly timeoutMs?: number;
  /** Called with each chunk of output as it arrives (prompts already removed). */
  readonly onData?: (stream: OutputStream, chunk: string) => void;
  /** Data for the command's stdin (after the responder's answer, if any), then stdin is closed (unless holdStdin). */
  readonly stdin?: string | Uint8Array;
  /** Keep stdin open until the command ends: the remote guard reads its end as the liveness signal. */
  readonly holdStdin?: boolean;
  /** Answers one prompt on stderr (sudo's); a second prompt means the answer was refused. */
  readonly responder?: PromptResponder;
  /**
   * Aborting it stops the command as Ctrl-C should, and the transport waits for the command to
   * end (its cleanup included): stdin ends (a guarded command's session then gets TERM; an
   * unguarded local command gets TERM itself). After `graceMs` plus a margin of 5 s the
   * transport gives up waiting and cuts the command off. The result says `stopped: 'aborted'`;
   * a signal aborted before the call starts nothing.
   */
  readonly signal?: AbortSignal;
  /** The time an aborted command has between TERM and KILL, in ms (default 5 s). */
  readonly graceMs?: number;
}

/** How long a stopped command has between TERM and KILL unless it asks for more. */
export const DEFAULT_GRACE_MS = 5_000;
/** How much longer than its grace a transport waits for an aborted command before cutting it off. */
export const ABORT_MARGIN_MS = 5_000;

/** An answer to one prompt of a command (sudo's password prompt). */
export interface PromptResponder {
  /** A text unique enough never to appear in real output. */
  readonly prompt: string;
  readonly answer: string;
}

/**
 * Why the transport itself stopped a command: its `timeoutMs` ran out (the transport's own
 * timer decided, never an exit code), the responder's answer was refused (its prompt came
 * again), the connection was closed under it, or its `signal` was aborted.
 */
export type StopReason = 'timeout' | 'answer-refused' | 'closed' | 'aborted';

/** What a Connection returns for one command; it never throws for a non-zero exit. */
export interface ExecResult {
  /**
   * null when the command was killed by a signal or cut off by the transport. An aborted
   * command that ended within its grace keeps the code it ended with (its cleanup finished).
   */
  readonly exitCode: number | null;
  /** The signal that ended the command, as Node names it ('SIGTERM'); only real signals. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the transport stopped the command; exitCode is then null. */
  readonly stopped: StopReason | null;
}

/** Which bytes of a local file {@link Connection.putRange} writes, and how. */
export interface PutRangeOptions {
  /** The first byte, at the same offset in both files. At 0 the remote file is created or truncated (mode 0600); above, it must exist. */
  readonly start: number;
  /** One past the last byte (the local file's size for the rest of it). */
  readonly end: number;
  /** Called with each count of bytes handed to the transport. */
  readonly onBytes?: (bytes: number) => void;
  /** At most this many bytes per second; unlimited when absent. */
  readonly bytesPerSecond?: number;
  /** Aborting stops the write; the bytes already written stay in the remote file. */
  readonly signal?: AbortSignal;
}

/** The one contract every transport fulfils (SSH, local); tasks never see it, they get a TaskContext. */
export interface Connection {
  readonly host: HostTarget;
  /** The host key verified when connecting (SSH wire format); none for the local transport. */
  readonly hostKey?: Buffer;
  /** Runs shell text with the login user's shell; never throws for a non-zero exit. */
  exec(text: string, options: ExecOptions): Promise<ExecResult>;
  /** Uploads a local file (SFTP; a copy for the local transport). Throws TransferError. */
  put(localPath: string, remotePath: string): Promise<void>;
  /**
   * Writes local bytes [start, end) into the remote file at offset `start`, as the login user; the
   * remote directory must exist. Throws TransferError, or the signal's reason when aborted.
   */
  putRange(localPath: string, remotePath: string, options: PutRangeOptions): Promise<void>;
  /** Downloads a remote file (SFTP; a copy for the local transport). Throws TransferError. */
  get(remotePath: string, localPath: string): Promise<void>;
  /** Ends the connection; commands still running end with it. */
  close(): Promise<void>;
}
