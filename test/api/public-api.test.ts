// The public API, as a user sees it: what `cloudlet-tasks/sdk` and `cloudlet-tasks/tasks` export
// (imported by the package's own name, through package.json "exports"), and the TypeDoc of both,
// which must build without a warning (tsconfig.json "typedocOptions": every export documented
// or reachable, every link resolved). A change to either surface is a diff of the lists below.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Each entry point's exports: values (present at run time) and types (only in the docs). */
const SURFACE = {
  'sdk': {
    values: [
      'AmbiguousBaseError', 'AmbiguousVmError', 'ArchiveExistsError', 'ArchiveFormatError',
      'ArchiveManifestError', 'BaseDiskNotShareableError', 'BaseError', 'BaseIdMismatchError', 'BaseInUseError',
      'BaseNameError', 'BaseNotFoundError', 'BasePagesSizeError', 'BaseRecordError',
      'BaseVmMismatchError', 'BlobSizeMismatchError', 'CONSOLE_ESCAPE', 'ChecksumError',
      'ChunkOverlapError', 'ChunkRangeError', 'CloudletDirUnreachableError', 'CloudletError',
      'CompressionMethodError', 'ConsoleAttachError', 'ConsoleInputError', 'DiskSizeError',
      'DiskSizeMismatchError', 'DomainXmlRequiredError', 'DownloadAddressError', 'DownloadRedirectError',
      'DownloadResumeError', 'DownloadTimeoutError', 'DownloadTooLargeError', 'DuplicateBaseError',
      'DuplicateMemberError', 'FileInTheWayError', 'HeaderMismatchError', 'LaunchError',
      'LaunchInputError', 'LazyDiskFailedError', 'MemberBoundsError', 'MemberLimitError', 'MemberNameError', 'MemberOrderError',
      'MetaFieldError', 'MetaTooLargeError', 'MetaVersionError', 'MissingMemberError',
      'MissingVmStateError', 'NoNetworkError', 'NotEnoughSpaceError', 'NotRawDiskError',
      'OutputExistsError', 'OutputFileExistsError', 'OutputSpaceError', 'OverlayChangedError',
      'OverlayCreateError', 'OverlayDownloadError', 'OverlayOutputExistsError', 'OverlayPackageError',
      'OverlaySizeError', 'OverlayStreamTooLargeError', 'OverlayUnsignedError', 'PROGRESS_EVENT_VERSION',
      'PinMismatchError', 'RegistryLockTimeoutError', 'RemoteServerError', 'ServerError',
      'ServerUnreachableError', 'SignatureFormatError', 'SignatureMismatchError', 'SigningKeyError',
      'SshAuthError', 'SshConnectError', 'SshHostKeyError', 'SshScriptError', 'SshSessionLostError',
      'StreamLayoutError', 'StreamLengthError', 'SynthesisError', 'TlsIdentityError', 'TokenExistsError',
      'TokenFileError', 'TokenNameError', 'TokenNotFoundError', 'TokenStore', 'UnexpectedMemberError',
      'UnsafeArchiveMemberError', 'UntrustedSignerError', 'UsageError', 'VmDomainMismatchError',
      'VmExistsError', 'VmNameError', 'VmNotFoundError', 'VmRecordError', 'VmStateFormatError',
      'WriterStateError', 'Zip64RequiredError', 'ZipStructureError', 'attachConsole',
      'attachConsoleSocket', 'createBase', 'createOverlay', 'createVmOverlay', 'deleteBase', 'destroyVm',
      'doctor', 'earlyStartVm', 'errorData', 'exportBase', 'fetchOverlay', 'formatDoctorReport', 'formatOverlayInfo',
      'generateSigningKey', 'importBase', 'keyId', 'launchBase', 'launchVm', 'listBases', 'listVms',
      'loadTlsIdentity', 'overlayInfo', 'packageVersion', 'readSigningKey', 'readTrustedKeys',
      'remoteDestroyVm', 'remoteHealth', 'remoteListBases', 'remoteListVms', 'remoteSynthesize',
      'startServer', 'synthesize', 'synthesizeVm', 'synthesizeVmFromStream',
    ],
    types: [
      'ApiVm', 'BaseRecord', 'BaseVm', 'BlobCodec', 'BlobMeta', 'CheckLevel', 'ChunkRange', 'ChunkSpace',
      'CloudletDirOptions', 'ConsoleEnd', 'ConsoleStreams', 'CreateBaseOptions', 'CreateOverlayInput',
      'CreateOverlayOptions', 'CreateOverlayResult', 'CreateVmOverlayOptions', 'Customization',
      'CustomizedVm', 'DeltaAlgorithm', 'DoctorCheck', 'DoctorOptions', 'DoctorReport',
      'DomainStateName', 'DomainType', 'DownloadPolicy', 'EarlyDiskStats', 'EarlyStartOptions', 'EarlyStartedVm', 'EncoderStats', 'Encoding', 'ErrorCategory',
      'ErrorData', 'ExportBaseOptions', 'ExportedBase', 'FetchOverlayOptions', 'HostKeyCheck',
      'ImportBaseOptions', 'ItemKind', 'LaunchOptions', 'LaunchSource', 'LaunchedVm', 'LogSink',
      'ManageVmOptions', 'MemberNameProblem', 'OpenedOverlay', 'OverlayBase', 'OverlayInfo',
      'OverlayMeta', 'OverlaySigningKey', 'Phase', 'PortForward', 'Progress', 'ProgressListener',
      'RamPageLayout', 'Readiness', 'RemoteBase', 'RemoteServerOptions', 'RemoteSynthesisOptions',
      'ServeOptions', 'ServerTimeouts', 'SshConnectProblem', 'SshScript', 'SshTarget',
      'StreamSynthesisOptions', 'SynthesisServer', 'SynthesizeInput', 'SynthesizeOptions',
      'SynthesizeResult', 'SynthesizeVmOptions', 'TlsIdentity', 'TlsIdentityOptions', 'TokenEntry',
      'TrustedKey', 'VmHardware', 'VmOverlay', 'VmRecord', 'VmStatus',
    ],
  },
  'tasks': {
    values: [
      'AuthenticationError', 'CloudletError', 'CloudletVersionError', 'CommandError', 'CommandInterruptedError',
      'CommandTimeoutError', 'ConfigFileError', 'ConfigKeyError', 'ConfigValueError', 'ConnectionError',
      'HostCertificateUnsupportedError', 'HostKeyChangedError', 'HostKeyRevokedError', 'HostKeyUnknownError',
      'HostRefused', 'InventoryError', 'LimitError', 'Masker', 'OverlayForOtherBaseError', 'PlaybookError', 'RawFragment',
      'RemoteBaseUnknownError', 'RemoteCloudletError', 'RemoteProtocolError', 'RunnerError', 'Secret',
      'ServerPinMismatchError', 'ServerTokenFileError', 'ServerTokenRefusedError', 'ServerUnreachableHostError', 'SshConfigError', 'StepError', 'SudoError', 'TaskDefinitionError', 'TaskOptionClashError', 'TasksFileError',
      'TransferError', 'UnknownHostError', 'UnknownTaskError', 'UploadCorruptError', 'UploadNoSpaceError',
      'UsageError', 'applySteps', 'connectSsh', 'cpuInfo', 'defaultSshSettings', 'defineFact', 'definePlaybook', 'defineStep',
      'defineTask', 'errorData', 'hostTarget', 'osRelease', 'raw', 'runTask', 'secret', 'sh', 'systemInfo',
    ],
    types: [
      'Action', 'ArgProblem', 'AuthSettings', 'BaseArchive', 'BatchStop', 'CloudletApi', 'Command', 'CommandResult', 'CommandValue',
      'Connection', 'CpuInfo', 'ErrorCategory', 'ErrorData', 'ErrorInfo', 'EventSink', 'ExecOptions', 'ExecResult',
      'Fact', 'FetchedOverlay', 'HostKeyPolicy', 'HostResult', 'HostStatus', 'HostTarget', 'LocalOptions',
      'OptionSpec', 'OptionSpecs', 'OptionType', 'OptionValue', 'OptionValues', 'OsRelease', 'OutputStream', 'Phase',
      'Plan', 'PlaybookProblem', 'PlaybookSpec', 'PlaybookStep', 'PlaybookValue', 'Progress', 'PromptResponder', 'PushBaseResult', 'PutOptions', 'PutRangeOptions', 'RemoteBase',
      'RemoteCloudletSettings', 'RemoteOverlayOptions', 'RemoteVm', 'RetryPolicy', 'RunEvent', 'RunOptions',
      'RunScope', 'RunSettings', 'RunSummary', 'SshSettings', 'Step', 'StepEnv', 'StepEvent', 'StepKind', 'StepReport', 'StepStatus', 'StopReason',
      'SudoOptions', 'SynthesisServerOptions', 'SynthesizeOptions', 'SynthesizedVm', 'SystemInfo', 'Task', 'TaskContext', 'TransferOptions',
      'UploadOptions', 'UploadResult', 'UploadSource',
    ],
  },
} as const;

type EntryPoint = keyof typeof SURFACE;

interface Docs {
  readonly code: number | null;
  readonly output: string;
  /** Documented export names, by entry point. */
  readonly names: Record<string, string[]>;
}

/** Runs TypeDoc as `npm run docs` does, writing only its JSON model into a temporary directory. */
async function buildDocs(): Promise<Docs> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudlet-api-docs-'));
  try {
    const json = join(dir, 'api.json');
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(join(ROOT, 'node_modules/.bin/typedoc'), ['--json', json], { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: stdout + stderr }),
      );
    });
    if (code !== 0) return { code, output, names: {} };
    const model = JSON.parse(await readFile(json, 'utf8')) as { children: { name: string; children: { name: string }[] }[] };
    return { code, output, names: Object.fromEntries(model.children.map((module) => [module.name, module.children.map((child) => child.name)])) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function values(entry: EntryPoint): Promise<string[]> {
  return Object.keys((await import(`cloudlet-tasks/${entry}`)) as object).sort();
}

describe('the public API', () => {
  let docs: Docs;
  before(async () => {
    docs = await buildDocs();
  });

  for (const entry of Object.keys(SURFACE) as EntryPoint[]) {
    it(`cloudlet-tasks/${entry} exports exactly the listed values`, async () => {
      assert.deepEqual(await values(entry), [...SURFACE[entry].values]);
    });

    it(`documents cloudlet-tasks/${entry}: its values and exactly the listed types`, async () => {
      assert.equal(docs.code, 0, docs.output);
      const documented = docs.names[entry] ?? [];
      const runtime = await values(entry);
      assert.deepEqual(runtime.filter((name) => !documented.includes(name)), [], 'values without docs');
      assert.deepEqual(documented.filter((name) => !runtime.includes(name)).sort(), [...SURFACE[entry].types]);
    });
  }

  it('builds its docs without a warning', () => {
    assert.equal(docs.code, 0, docs.output);
    assert.doesNotMatch(docs.output, /warning|error/i);
  });

  it('names every exported function, class and constant but the errors in the README section API', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n## ', readme.indexOf('\n## API\n') + 1));
    for (const entry of Object.keys(SURFACE) as EntryPoint[]) {
      const unnamed = SURFACE[entry].values.filter((name) => !name.endsWith('Error') && !section.includes(`\`${name}`));
      assert.deepEqual(unnamed, [], `cloudlet-tasks/${entry} exports missing from README.md ## API`);
    }
  });

  it('exports no namespace objects: every name is flat', async () => {
    for (const entry of Object.keys(SURFACE) as EntryPoint[]) {
      const module = (await import(`cloudlet-tasks/${entry}`)) as Record<string, unknown>;
      const namespaces = Object.keys(module).filter((name) => typeof module[name] === 'object' && module[name] !== null && Object.getPrototypeOf(module[name]) === null);
      assert.deepEqual(namespaces, [], entry);
    }
  });
});
