/** Domains we run: our own XML template, the check of untrusted XML, KVM or TCG, and readiness. */
export { buildDomainXml, domainNameProblem, randomMac, type DomainSpec, type DomainType, type VmHardware } from './domain-xml.js';
export { domainXmlViolations, checkUntrustedDomainXml, checkUntrustedSaveCookie, type DomainXmlCheckOptions } from './domain-xml-validator.js';
export { domainFacts, type DomainFacts } from './domain-facts.js';
export { parseXml, type XmlElement } from './xml-parser.js';
export { detectAcceleration, type Acceleration } from './acceleration.js';
export { waitUntilReady, describeReadiness, type Readiness, type ReadinessWatch, type ReadyResult } from './readiness.js';
export { SerialTail } from './serial-tail.js';
export * from './errors.js';
