/** The synthesis server (`cloudlet serve`): HTTPS, token authentication, VM synthesis from an uploaded or fetched overlay with progress streamed back; its tokens, TLS identity and client. */
export { startServer, DEFAULT_TIMEOUTS, DEFAULT_PORT, DEFAULT_MAX_CONCURRENT, type ServeOptions, type ServerTimeouts, type SynthesisServer } from './server.js';
export { TokenStore, type TokenEntry } from './token-store.js';
export { loadTlsIdentity, existingTlsIdentity, certificateFingerprint, type TlsIdentity, type TlsIdentityOptions } from './tls-identity.js';
export { remoteSynthesize, remoteListVms, remoteListBases, remoteDestroyVm, remoteHealth, type RemoteSynthesisOptions, type RemoteServerOptions, type RemoteBase, type ApiVm } from './client.js';
export { openApiDocument } from './openapi.js';
export { stdoutLog, type LogSink } from './request-log.js';
export * from './errors.js';
