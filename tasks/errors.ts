// Typed errors of the runner. Each carries the data a person or a program needs (host,
// command, exit code, output tail, file and line) and a message that says what to do.
// `category` decides the process exit code, see exit-codes.ts. All are CloudletErrors with a
// stable `code` each; the usage errors extend the one UsageError both CLIs share.
import { CloudletError, UsageError, type ErrorCategory } from '../sdk/errors/cloudlet-error.js';

export { CloudletError, UsageError, errorData, type ErrorCategory, type ErrorData } from '../sdk/errors/cloudlet-error.js';

/** A failure of a run (connection, command, sudo, transfer, host step); `category` says which kind. */
export abstract class RunnerError extends CloudletError {
  static override readonly code: string = 'runner';
  abstract override readonly category: ErrorCategory;
  /** True when trying again later may succeed (network trouble, not a refused key). */
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class InventoryError extends UsageError {
  static override readonly code: string = 'inventory-invalid';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
  }
}

export class UnknownTaskError extends UsageError {
  static override readonly code: string = 'unknown-task';
  constructor(
    readonly task: string,
    readonly known: readonly string[],
  ) {
    super(`unknown task '${task}'; known tasks: ${known.join(', ')} (see cloudlet-tasks --help)`);
  }
}

/** An ssh_config file (-F, or ~/.ssh/config) cannot be read or OpenSSH refuses it. */
export class SshConfigError extends UsageError {
  static override readonly code: string = 'ssh-config-invalid';
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`ssh config ${file}: ${detail}`, options);
  }
}

/** The tasks file (-f, or ./cloudlet-tasks.ts found in the working directory) cannot be used. */
export class TasksFileError extends UsageError {
  static override readonly code: string = 'tasks-file-invalid';
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load tasks file ${file}: ${detail}`, options);
  }
}

/** A task is declared wrongly: a name that is not kebab-case, an option the runner itself owns. */
export class TaskDefinitionError extends UsageError {
  static override readonly code: string = 'task-definition-invalid';
  constructor(
    readonly task: string,
    /** Where the task comes from: a tasks file, or 'built-in'. */
    readonly source: string,
    readonly detail: string,
  ) {
    super(`task '${task}' (${source}): ${detail}`);
  }
}

/** A task option has the name of a runner option, which would take its value from the command line. */
export class TaskOptionClashError extends TaskDefinitionError {
  static override readonly code: string = 'task-option-clash';
  constructor(
    task: string,
    source: string,
    readonly option: string,
    readonly globalOption: string,
  ) {
    super(task, source, `its option --${option} has the name of the runner's option ${globalOption}, which would take the value; rename the task option`);
  }
}

/** With an inventory, a -H name that is no inventory host or group, ssh_config alias or explicit user@host / host:port. */
export class UnknownHostError extends UsageError {
  static override readonly code: string = 'unknown-host';
  constructor(
    readonly names: readonly string[],
    readonly inventoryFile: string,
    readonly groups: readonly string[],
    readonly hosts: readonly string[],
    /** Close known names, by unknown name. */
    readonly suggestions: Readonly<Record<string, string>>,
  ) {
    const guesses = Object.entries(suggestions).map(([name, guess]) => `'${name}': did you mean '${guess}'?`);
    super(
      `${names.map((n) => `'${n}'`).join(', ')}: not a host or group of ${inventoryFile}${guesses.length > 0 ? ` (${guesses.join('; ')})` : ''}. ` +
        `Groups: ${listed(groups)}. Hosts: ${listed(hosts)}. ` +
        'A host outside the inventory is written user@host or host:port, or named by an ssh_config Host alias',
    );
  }
}

/** A --limit that names nothing or leaves no host of those selected. */
export class LimitError extends UsageError {
  static override readonly code: string = 'limit-invalid';
  constructor(
    readonly limit: string,
    readonly detail: string,
    readonly selected: readonly string[],
  ) {
    super(`--limit '${limit}': ${detail}; the selected hosts are ${listed(selected)}`);
  }
}

/** `cloudlet-tasks config` named a key the runner does not keep. */
export class ConfigKeyError extends UsageError {
  static override readonly code: string = 'config-key-unknown';
  constructor(
    readonly key: string,
    readonly known: readonly string[],
    readonly suggestion: string | undefined,
  ) {
    super(`unknown config key '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; known keys: ${known.join(', ')}`);
  }
}

/** A config value of the wrong kind: given to `config set`, or found in the config file (then `file` names it). */
export class ConfigValueError extends UsageError {
  static override readonly code: string = 'config-value-invalid';
  constructor(
    readonly key: string,
    readonly value: string,
    readonly expected: string,
    readonly file?: string,
  ) {
    super(
      file
        ? `${file}: '${key}' is '${value}', but must be ${expected}; fix it with: cloudlet-tasks config set ${key} VALUE (or config unset ${key})`
        : `config ${key}: '${value}' must be ${expected}`,
    );
  }
}

/** The operator's config file cannot be read or written. */
export class ConfigFileError extends UsageError {
  static override readonly code: string = 'config-file-invalid';
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`config file ${file}: ${detail}`, options);
  }
}

/** The host could not be reached or refused us. */
export class ConnectionError extends RunnerError {
  static override readonly code: string = 'host-unreachable';
  override readonly category = 'connection';
  override readonly retryable: boolean;
  constructor(
    readonly host: string,
    readonly address: string,
    readonly port: number,
    readonly reason: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(`${host}: cannot connect to ${address}:${port}: ${reason}`, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

export class HostKeyUnknownError extends ConnectionError {
  static override readonly code: string = 'host-key-unknown';
  constructor(
    host: string,
    address: string,
    port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly knownHostsFile: string,
  ) {
    super(
      host,
      address,
      port,
      `host key is not known (${keyType} ${fingerprint}); check this fingerprint with the host's owner, ` +
        `then re-run with --accept-new-host-keys to record it in ${knownHostsFile}`,
      { retryable: false },
    );
  }
}

export class HostKeyChangedError extends ConnectionError {
  static override readonly code: string = 'host-key-changed';
  constructor(
    host: string,
    address: string,
    port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly knownAt: string,
  ) {
    super(
      host,
      address,
      port,
      `HOST KEY CHANGED: the host now offers ${keyType} ${fingerprint}, which does not match ${knownAt}. ` +
        `Someone may be intercepting the connection. Refused. If the host was really reinstalled, ` +
        `remove the old entry (ssh-keygen -R) and connect again`,
      { retryable: false },
    );
  }
}

export class HostKeyRevokedError extends ConnectionError {
  static override readonly code: string = 'host-key-revoked';
  constructor(
    host: string,
    address: string,
    port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly revokedAt: string,
  ) {
    super(
      host,
      address,
      port,
      `the host offers ${keyType} ${fingerprint}, a key marked @revoked at ${revokedAt}: it is never accepted. ` +
        `Refused. The host's owner must give the host a new key`,
      { retryable: false },
    );
  }
}

export class HostCertificateUnsupportedError extends ConnectionError {
  static override readonly code: string = 'host-certificate-unsupported';
  constructor(
    host: string,
    address: string,
    port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly authorities: string,
  ) {
    super(
      host,
      address,
      port,
      `known_hosts trusts this host through a certificate authority only (@cert-authority ${authorities}), and ` +
        `cloudlet-tasks cannot verify host certificates (its SSH library has no support for them). Refused. ` +
        `The host offers the plain key ${keyType} ${fingerprint}: check it with the host's owner and add it to known_hosts to connect`,
      { retryable: false },
    );
  }
}

export class AuthenticationError extends ConnectionError {
  static override readonly code: string = 'host-auth-failed';
  constructor(
    host: string,
    address: string,
    port: number,
    readonly user: string,
    readonly methodsTried: readonly string[],
  ) {
    const tried = methodsTried.length > 0 ? methodsTried.join(', ') : 'none available';
    super(
      host,
      address,
      port,
      `authentication failed for user '${user}' (tried: ${tried}); check the user, key (-k, IdentityFile, ssh-agent) or password`,
      { retryable: false },
    );
  }
}

/** A command ran and failed. */
export class CommandError extends RunnerError {
  static override readonly code: string = 'command-failed';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stdoutTail: string,
    readonly stderrTail: string,
  ) {
    const status = exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${exitCode}`;
    const tail = (stderrTail || stdoutTail).trimEnd();
    super(`${host}: command ${status}: ${command}${tail ? `\n${indent(tail)}` : ''}`);
  }
}

export class CommandTimeoutError extends RunnerError {
  static override readonly code: string = 'command-timeout';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`${host}: command did not finish within ${timeoutMs / 1000} s and was stopped: ${command} (raise --command-timeout)`);
  }
}

export class SudoError extends RunnerError {
  static override readonly code: string = 'sudo-refused';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly reason: 'password-required' | 'wrong-password' | 'not-allowed',
  ) {
    const text = {
      'password-required': 'sudo needs a password here; pass --ask-sudo-password or set CLOUDLET_SUDO_PASSWORD',
      'wrong-password': 'sudo refused the password; check it (it is the same for all hosts of this run)',
      'not-allowed': 'the user may not run commands with sudo on this host; add it to sudoers',
    }[reason];
    super(`${host}: ${text}`);
  }
}

export class TransferError extends RunnerError {
  static override readonly code: string = 'transfer-failed';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly direction: 'put' | 'get',
    readonly localPath: string,
    readonly remotePath: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: ${direction} ${direction === 'put' ? `${localPath} -> ${remotePath}` : `${remotePath} -> ${localPath}`} failed: ${reason}`, options);
  }
}

function listed(names: readonly string[], shown = 12): string {
  if (names.length === 0) return 'none';
  return `${names.slice(0, shown).join(', ')}${names.length > shown ? ` and ${names.length - shown} more` : ''}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}
