/**
 * A strict, small XML parser for domain XML from untrusted sources (a save image inside an
 * archive or an overlay). It reads elements, attributes, text, comments, CDATA and processing
 * instructions, and refuses what a domain XML never needs and an attacker could use: DOCTYPE and
 * entity declarations (no entity expansion at all beyond the five predefined ones and character
 * references), duplicate attributes, mismatched tags, content after the root, excessive size or depth.
 */
import { XmlSyntaxError } from './errors.js';

export interface XmlElement {
  /** The qualified name as written, prefix included ("qemu:commandline"). */
  name: string;
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, concatenated. */
  text: string;
}

const MAX_BYTES = 1 << 20;
const MAX_DEPTH = 64;
const NAME = /[A-Za-z_][\w.:-]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Parses `text` into its root element, or throws XmlSyntaxError with the offset of the problem.
 *
 * @example parseXml("<domain type='qemu'><name>vm</name></domain>").children[0]!.text // 'vm'
 */
export function parseXml(text: string): XmlElement {
  if (text.length > MAX_BYTES) throw new XmlSyntaxError(MAX_BYTES, `document longer than ${MAX_BYTES} characters`);
  return new Parser(text).document();
}

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  document(): XmlElement {
    if (this.text.startsWith('\uFEFF')) this.at = 1;
    this.misc();
    if (!this.text.startsWith('<', this.at)) this.fail('expected the root element');
    const root = this.element(1);
    this.misc();
    if (this.at < this.text.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions, where they may appear outside the root. */
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.text.startsWith('<?', this.at)) this.skipPast('?>');
      else if (this.text.startsWith('<!--', this.at)) this.skipPast('-->');
      else if (this.text.startsWith('<!', this.at)) this.fail('DOCTYPE and declarations are not allowed');
      else return;
    }
  }

  private element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) this.fail(`elements nested deeper than ${MAX_DEPTH}`);
    this.at++; // '<'
    const name = this.name();
    const attributes = new Map<string, string>();
    for (;;) {
      const spaced = this.skipSpace();
      if (this.text.startsWith('/>', this.at)) {
        this.at += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (this.text.startsWith('>', this.at)) {
        this.at++;
        break;
      }
      if (!spaced) this.fail('expected whitespace before an attribute');
      const attribute = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      if (attributes.has(attribute)) this.fail(`duplicate attribute ${attribute}`);
      attributes.set(attribute, this.quoted());
    }
    const element: XmlElement = { name, attributes, children: [], text: '' };
    for (;;) {
      if (this.at >= this.text.length) this.fail(`<${name}> is not closed`);
      if (this.text.startsWith('</', this.at)) {
        const closingAt = this.at;
        this.at += 2;
        const closing = this.name();
        if (closing !== name) throw new XmlSyntaxError(closingAt, `</${closing}> closes <${name}>`);
        this.skipSpace();
        this.expect('>');
        return element;
      }
      if (this.text.startsWith('<!--', this.at)) this.skipPast('-->');
      else if (this.text.startsWith('<![CDATA[', this.at)) element.text += this.cdata();
      else if (this.text.startsWith('<?', this.at)) this.skipPast('?>');
      else if (this.text.startsWith('<!', this.at)) this.fail('declarations are not allowed');
      else if (this.text.startsWith('<', this.at)) element.children.push(this.element(depth + 1));
      else element.text += this.characters('<');
    }
  }

  private name(): string {
    NAME.lastIndex = this.at;
    const match = NAME.exec(this.text);
    if (!match) this.fail('expected a name');
    this.at += match[0].length;
    return match[0];
  }

  private quoted(): string {
    const quote = this.text[this.at];
    if (quote !== '"' && quote !== "'") this.fail('expected a quoted attribute value');
    this.at++;
    const end = this.text.indexOf(quote, this.at);
    if (end >= 0 && this.text.slice(this.at, end).includes('<')) this.fail('"<" in an attribute value');
    const value = this.characters(quote);
    this.at++;
    return value;
  }

  /** Character data up to `stop` (not consumed), with references replaced. */
  private characters(stop: string): string {
    const end = this.text.indexOf(stop, this.at);
    if (end < 0) this.fail(`unterminated text, expected ${stop}`);
    const raw = this.text.slice(this.at, end);
    const start = this.at;
    this.at = end;
    return raw.replace(/&([^;]{0,10});|&/g, (whole: string, reference: string | undefined) => decodeReference(whole, reference, start));
  }

  private cdata(): string {
    const end = this.text.indexOf(']]>', this.at);
    if (end < 0) this.fail('unterminated CDATA section');
    const data = this.text.slice(this.at + 9, end);
    this.at = end + 3;
    return data;
  }

  private skipSpace(): boolean {
    const start = this.at;
    while (this.at < this.text.length && ' \t\r\n'.includes(this.text[this.at]!)) this.at++;
    return this.at > start;
  }

  private skipPast(terminator: string): void {
    const end = this.text.indexOf(terminator, this.at);
    if (end < 0) this.fail(`missing ${terminator}`);
    this.at = end + terminator.length;
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) this.fail(`expected "${char}"`);
    this.at++;
  }

  private fail(problem: string): never {
    throw new XmlSyntaxError(this.at, problem);
  }
}

function decodeReference(whole: string, reference: string | undefined, offset: number): string {
  if (reference === undefined) throw new XmlSyntaxError(offset, 'bare "&" (only &lt; &gt; &amp; &quot; &apos; and &#…; are allowed)');
  const predefined = PREDEFINED[reference];
  if (predefined !== undefined) return predefined;
  const code = /^#x[0-9a-fA-F]{1,6}$/.test(reference) ? Number.parseInt(reference.slice(2), 16) : /^#[0-9]{1,7}$/.test(reference) ? Number(reference.slice(1)) : NaN;
  if (!Number.isInteger(code) || code === 0 || code > 0x10ffff) throw new XmlSyntaxError(offset, `entity ${whole} is not allowed`);
  return String.fromCodePoint(code);
}
