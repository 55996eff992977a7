/**
 * The JSON Schemas of the API's inputs and outputs, used twice: fastify validates requests against
 * them (ajv; unknown keys are refused, not dropped), and openapi.ts puts the same objects into the
 * OpenAPI document, so the document cannot drift from what the server accepts.
 */

/** Query of `POST /v1/vms` with an overlay in the body. */
export const CREATE_QUERY = {
  type: 'object',
  properties: {
    base: { type: 'string', minLength: 1, maxLength: 128, description: 'The base: its ID, a unique ID prefix (4 hex digits or more) or its name.' },
    name: { type: 'string', minLength: 1, maxLength: 64, description: 'The new VM\'s name; default cloudlet-vm-<id>.' },
  },
  required: ['base'],
  additionalProperties: false,
} as const;

/** JSON body of `POST /v1/vms` with the overlay's URL. */
export const CREATE_FROM_URL = {
  type: 'object',
  properties: {
    base: CREATE_QUERY.properties.base,
    name: CREATE_QUERY.properties.name,
    overlay_url: { type: 'string', pattern: '^https?://', maxLength: 2048, description: 'An http(s) URL of the overlay package; the server fetches it.' },
  },
  required: ['base', 'overlay_url'],
  additionalProperties: false,
} as const;

export const VM_NAME_PARAMS = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 64, description: 'The VM\'s name, ID or unique ID prefix.' } },
  required: ['name'],
} as const;

/** An error answer: the error's data (name, code, message, category and its fields). */
export const ERROR = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { name: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, category: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const PORT = {
  type: 'object',
  properties: { protocol: { enum: ['tcp', 'udp'] }, hostAddress: { type: 'string' }, hostPort: { type: 'integer' }, guestPort: { type: 'integer' } },
} as const;

/** A VM as the API shows it (also the `vm` of a create's result line). */
export const VM = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    id: { type: 'string' },
    state: { type: 'string', description: 'libvirt\'s state; gone when the domain no longer exists, unknown when libvirtd is down (list only).' },
    base: { type: 'string' },
    createdAt: { type: 'string' },
    console: { type: 'string', description: 'The serial console log on the server.' },
    ports: { type: 'array', items: PORT },
  },
  required: ['name', 'id'],
} as const;

export const VM_LIST = { type: 'object', properties: { vms: { type: 'array', items: VM } }, required: ['vms'] } as const;

export const BASE_LIST = {
  type: 'object',
  properties: {
    bases: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' }, diskSize: { type: 'integer' }, memoryMiB: { type: 'integer' }, vcpus: { type: 'integer' } },
        required: ['id', 'name'],
      },
    },
  },
  required: ['bases'],
} as const;

export const HEALTH = {
  type: 'object',
  properties: { status: { const: 'ok' }, version: { type: 'string' }, synthesesRunning: { type: 'integer' }, maxConcurrent: { type: 'integer' } },
  required: ['status'],
} as const;

export const DESTROYED = {
  type: 'object',
  properties: { destroyed: { type: 'object', properties: { name: { type: 'string' }, id: { type: 'string' } } } },
  required: ['destroyed'],
} as const;
