/**
 * The API's OpenAPI 3.1 description, served at /v1/openapi.json. Written by hand for its prose,
 * with the request and answer schemas the server validates with (api-schemas.ts); a test checks
 * that every route the server has is described here and nothing else.
 */
import { packageVersion } from '../version.js';
import { BASE_LIST, CREATE_FROM_URL, CREATE_QUERY, DESTROYED, ERROR, HEALTH, VM_LIST, VM_NAME_PARAMS } from './api-schemas.js';

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ERROR, description);
const UNAUTHORIZED = error('No token, or one that is unknown or revoked; the connection is closed without reading the body.');

const PROGRESS = {
  description: 'NDJSON, one object per line: the SDK\'s progress events (`{"v":1,"kind":"phase-start",…}`, see sdk/progress/progress-event.ts), then `{"v":1,"kind":"result","vm":{name,id,console,ports}}` or `{"v":1,"kind":"error","error":{code,message,…}}`.',
  content: { 'application/x-ndjson': { schema: { type: 'string' } } },
};

function queryParameters(schema: typeof CREATE_QUERY) {
  return Object.entries(schema.properties).map(([name, property]) => ({ name, in: 'query', required: (schema.required as readonly string[]).includes(name), description: property.description, schema: property }));
}

/** The document; `servers` is left to the client, which knows the address it reached. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'cloudlet synthesis server',
      version: packageVersion(),
      description: 'VM synthesis over the network: push an overlay (or its URL) for a base the cloudlet has, get a resumed VM. HTTPS only; every route but health and this document needs `Authorization: Bearer <token>` (cloudlet token create NAME).',
    },
    components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'A token from `cloudlet token create NAME`, sent as is.' } } },
    security: [{ token: [] }],
    paths: {
      '/v1/health': { get: { summary: 'Whether the server runs, its version and how busy it is', security: [], responses: { 200: json(HEALTH, 'Running.') } } },
      '/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } } } },
      '/v1/bases': { get: { summary: 'The base VMs this cloudlet has', responses: { 200: json(BASE_LIST, 'The bases, oldest first.'), 401: UNAUTHORIZED } } },
      '/v1/vms': {
        get: { summary: 'The synthesized VMs and their state', responses: { 200: json(VM_LIST, 'The VMs, oldest first.'), 401: UNAUTHORIZED } },
        post: {
          summary: 'Synthesize a VM from an overlay, sent in the body or fetched from a URL, and resume it',
          description: 'With `application/octet-stream`, the body is the overlay package, `base` and `name` are in the query and Content-Length is required. With `application/json`, the body is `{base, name, overlay_url}`. Everything refusable is refused before the body is read. A client that disconnects aborts the synthesis: no VM, no files are left.',
          parameters: queryParameters(CREATE_QUERY),
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/zip' } }, 'application/json': { schema: CREATE_FROM_URL } } },
          responses: {
            200: PROGRESS,
            400: error('A bad query, body or VM name.'),
            401: UNAUTHORIZED,
            404: error('No such base.'),
            411: error('An upload without Content-Length.'),
            413: error('The overlay is larger than the server\'s limit, or than an overlay of the base can be.'),
            429: { ...error('As many syntheses run as the server allows; the `Retry-After` header says when to try again.'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
          },
        },
      },
      '/v1/vms/{name}': {
        delete: {
          summary: 'Destroy a VM: its domain, files and record',
          parameters: [{ name: 'name', in: 'path', required: true, description: VM_NAME_PARAMS.properties.name.description, schema: VM_NAME_PARAMS.properties.name }],
          responses: { 200: json(DESTROYED, 'Destroyed.'), 401: UNAUTHORIZED, 404: error('No such VM.') },
        },
      },
    },
  };
}
