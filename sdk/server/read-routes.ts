/** The API's small routes: health, the bases, the VMs and destroying one. Errors become status codes in server.ts. */
import type { FastifyInstance } from 'fastify';
import { listBases } from '../base/index.js';
import { packageVersion } from '../version.js';
import { destroyVm, listVms } from '../vms/index.js';
import { BASE_LIST, DESTROYED, ERROR, HEALTH, VM_LIST, VM_NAME_PARAMS } from './api-schemas.js';
import { apiVm } from './progress-stream.js';
import type { SynthesisSlots } from './synthesis-slots.js';

export interface ReadRouteOptions {
  cloudletDir?: string;
  libvirtUri?: string;
  slots: SynthesisSlots;
}

export function addReadRoutes(app: FastifyInstance, options: ReadRouteOptions): void {
  const sdk = {
    ...(options.cloudletDir !== undefined ? { cloudletDir: options.cloudletDir } : {}),
    ...(options.libvirtUri !== undefined ? { libvirtUri: options.libvirtUri } : {}),
  };
  app.get('/v1/health', { schema: { response: { 200: HEALTH } } }, async () => ({
    status: 'ok',
    version: packageVersion(),
    synthesesRunning: options.slots.running,
    maxConcurrent: options.slots.max,
  }));
  app.get('/v1/bases', { schema: { response: { 200: BASE_LIST } } }, async () => ({
    bases: (await listBases(sdk)).map((base) => ({ id: base.id, name: base.name, createdAt: base.createdAt, diskSize: base.diskSize, memoryMiB: base.hardware.memoryMiB, vcpus: base.hardware.vcpus })),
  }));
  app.get('/v1/vms', { schema: { response: { 200: VM_LIST } } }, async () => ({ vms: (await listVms(sdk)).map(apiVm) }));
  app.delete('/v1/vms/:name', { schema: { params: VM_NAME_PARAMS, response: { 200: DESTROYED, '4xx': ERROR } } }, async (request) => {
    const vm = await destroyVm((request.params as { name: string }).name, sdk);
    request.outcome = `vm ${vm.name} (${vm.id}) destroyed`;
    return { destroyed: { name: vm.name, id: vm.id } };
  });
}
