/**
 * What the binding cannot do goes through virsh (monitor commands, capabilities): one place that
 * runs it and turns its failures into the same typed errors as the binding's.
 */
import { execa, ExecaError } from 'execa';
import { missingTool } from '../host-tool.js';
import { toLibvirtError } from './errors.js';

/** Runs `virsh -c uri ARGS…` and returns its trimmed stdout. */
export async function virsh(uri: string, args: readonly string[], call: { operation: string; domain?: string }): Promise<string> {
  try {
    return (await execa('virsh', ['-c', uri, ...args])).stdout.trim();
  } catch (error) {
    const missing = missingTool(error, 'virsh');
    if (missing) throw missing;
    const message = error instanceof ExecaError ? String(error.stderr ?? error.message).replace(/^error: /gm, '').trim() : String(error);
    throw toLibvirtError(new Error(message), { ...call, uri });
  }
}
