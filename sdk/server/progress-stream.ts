/**
 * The body of a create request's answer: NDJSON, one JSON object per line, in the format of
 * `cloudlet … --json` (sdk/progress/progress-event.ts): the SDK's progress events with `v`, then
 * `{"v":1,"kind":"result","vm":{name,id,console,ports}}` or `{"v":1,"kind":"error","error":{code,message,…}}`.
 * The status is 200 once the first line is sent; a later failure is the error line.
 */
import { PassThrough } from 'node:stream';
import { errorData } from '../errors/cloudlet-error.js';
import { PROGRESS_EVENT_VERSION, type Progress } from '../progress/index.js';
import type { LaunchedVm } from '../vms/index.js';

/** The media type of the progress stream. */
export const NDJSON = 'application/x-ndjson';

/** What the API shows of a VM (api-schemas.ts VM). */
export interface ApiVm {
  name: string;
  id: string;
  state?: string;
  base?: string;
  createdAt?: string;
  console: string;
  ports: LaunchedVm['forwards'];
}

export function apiVm(vm: LaunchedVm & { state?: string }): ApiVm {
  return {
    name: vm.name,
    id: vm.id,
    ...(vm.state !== undefined ? { state: vm.state } : {}),
    ...(vm.origin.base !== undefined ? { base: vm.origin.base } : {}),
    createdAt: vm.createdAt,
    console: vm.files.console,
    ports: vm.forwards,
  };
}

export class ProgressStream {
  readonly body = new PassThrough();

  progress = (event: Progress): void => {
    this.line(event);
  };

  result(vm: LaunchedVm): void {
    this.line({ kind: 'result', vm: apiVm(vm) });
    this.body.end();
  }

  error(error: unknown): void {
    this.line({ kind: 'error', error: errorData(error) });
    this.body.end();
  }

  private line(event: object): void {
    if (!this.body.writableEnded && !this.body.destroyed) this.body.write(`${JSON.stringify({ v: PROGRESS_EVENT_VERSION, ...event })}\n`);
  }
}
