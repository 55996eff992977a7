/** Typed errors of synthesis; tests assert on class and fields, never on text. */
import { CloudletError } from '../errors/cloudlet-error.js';

/** Base class: every refusal of synthesize (beyond those of the parts it drives) is one of these. */
export class SynthesisError extends CloudletError {
  static override readonly code: string = 'synthesis';
}

/** overlay-meta declares a disk or memory size that the base or the VM state record contradicts. */
export class OverlaySizeError extends SynthesisError {
  static override readonly code: string = 'synthesis-overlay-size';
  constructor(readonly space: 'disk' | 'memory', readonly declared: number, readonly actual: number) {
    super(`overlay-meta says the ${space} is ${declared} bytes but it is ${actual}: the overlay does not fit this base`);
  }
}

/** The overlay rebuilds a libvirt save image, whose header needs a domain XML from the caller. */
export class DomainXmlRequiredError extends SynthesisError {
  static override readonly code: string = 'synthesis-domain-xml-required';
  constructor() {
    super('the customized memory was a libvirt save image: pass options.domainXml (built from trusted parts) to rebuild its header');
  }
}

/** A file synthesis would write is already there; nothing is overwritten. */
export class OutputExistsError extends SynthesisError {
  static override readonly code: string = 'synthesis-output-exists';
  constructor(readonly path: string) {
    super(`${path} already exists: choose an empty output directory or remove it`);
  }
}

/** The output directory's file system filled up while synthesis wrote the VM; nothing was left there. */
export class OutputSpaceError extends SynthesisError {
  static override readonly code: string = 'synthesis-output-space';
  constructor(readonly outputDir: string, readonly diskBytes: number, readonly memoryBytes: number, options?: ErrorOptions) {
    super(`no space left in ${outputDir} for the synthesized VM (a disk of up to ${diskBytes} bytes, sparse, and a memory image of up to ${memoryBytes} bytes); free space there or choose another directory`, options);
  }
}

/** The base's flat page file does not hold the RAM its memory snapshot declares: a stale or foreign file. */
export class BasePagesSizeError extends SynthesisError {
  static override readonly code: string = 'synthesis-base-pages-size';
  constructor(readonly path: string, readonly expected: number, readonly actual: number) {
    super(`${path} holds ${actual} pages but the base memory snapshot has ${expected}: rebuild the base's page file (or omit it to build one)`);
  }
}
