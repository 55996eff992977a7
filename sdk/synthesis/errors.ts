/** Typed errors of synthesis; tests assert on class and fields, never on text. */

/** Base class: every refusal of synthesize (beyond those of the parts it drives) is one of these. */
export class SynthesisError extends Error {
  override name = 'SynthesisError';
}

/** overlay-meta declares a disk or memory size that the base or the VM state record contradicts. */
export class OverlaySizeError extends SynthesisError {
  override name = 'OverlaySizeError';
  constructor(readonly space: 'disk' | 'memory', readonly declared: number, readonly actual: number) {
    super(`overlay-meta says the ${space} is ${declared} bytes but it is ${actual}: the overlay does not fit this base`);
  }
}

/** The overlay rebuilds a libvirt save image, whose header needs a domain XML from the caller. */
export class DomainXmlRequiredError extends SynthesisError {
  override name = 'DomainXmlRequiredError';
  constructor() {
    super('the customized memory was a libvirt save image: pass options.domainXml (built from trusted parts) to rebuild its header');
  }
}

/** A file synthesis would write is already there; nothing is overwritten. */
export class OutputExistsError extends SynthesisError {
  override name = 'OutputExistsError';
  constructor(readonly path: string) {
    super(`${path} already exists: choose an empty output directory or remove it`);
  }
}

/** A base memory page no longer hashes to what was indexed: the snapshot changed during synthesis. */
export class BasePageChangedError extends SynthesisError {
  override name = 'BasePageChangedError';
  constructor(readonly path: string, readonly page: number) {
    super(`${path}: base memory page ${page} changed while synthesis read it`);
  }
}
