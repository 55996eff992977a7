// Reads a playbook file: YAML (`.yml`, `.yaml`), whose values keep their line and column for
// error messages, or a module (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`) exporting a
// definePlaybook(...) value, loaded as tasks files are (TypeScript through tsx, no build step).
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, parseDocument, type Document } from 'yaml';
import { importFile, loadFailure } from '../task/load-tasks-file.js';
import { isPlaybook } from './define-playbook.js';
import { PlaybookError } from './errors.js';

/** A key path into the playbook (`['steps', 2, 'file', 'mode']`). */
export type KeyPath = readonly (string | number)[];

/** A playbook as read, not yet checked. */
export interface PlaybookSource {
  /** The file's absolute path. */
  readonly file: string;
  readonly data: unknown;
  /** Line and column (from 1) of the value at `path`, or of its key; undefined for a module's values. */
  locate(path: KeyPath, at?: 'value' | 'key'): { line: number; column: number } | undefined;
}

const MODULE = /\.[cm]?[jt]s$/;

function yamlLocator(doc: Document, lines: LineCounter): PlaybookSource['locate'] {
  return (path, at = 'value') => {
    let node: unknown = path.length > 0 ? doc.getIn(path, true) : doc.contents;
    if (at === 'key' && path.length > 0) {
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) node = parent.items.find((pair) => (pair.key as { value?: unknown } | null)?.value === path.at(-1))?.key ?? node;
    }
    // A path into a value that is not there (a missing key): the nearest enclosing node.
    for (let depth = path.length - 1; node === undefined && depth >= 0; depth -= 1) node = depth > 0 ? doc.getIn(path.slice(0, depth), true) : doc.contents;
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? 0;
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
}

/** Parses YAML playbook text; `file` names it in errors. */
export function parsePlaybookYaml(text: string, file: string): PlaybookSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PlaybookError(
      file,
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file, line, column: col, path: '', message: `not valid YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  return { file, data: doc.toJS(), locate: yamlLocator(doc, lines) };
}

/** Reads the playbook at the absolute path `file`. */
export async function loadPlaybook(file: string): Promise<PlaybookSource> {
  const refuse = (message: string): never => {
    throw new PlaybookError(file, [{ file, path: '', message }]);
  };
  if (MODULE.test(file)) {
    let module: Record<string, unknown> = {};
    try {
      module = await importFile(file);
    } catch (error) {
      refuse(`cannot load it: ${loadFailure(error, file)}`);
    }
    const playbooks = [...new Set(Object.values(module).filter(isPlaybook))];
    if (playbooks.length !== 1) refuse(playbooks.length === 0 ? 'it exports no playbook (export definePlaybook({...}))' : `it exports ${playbooks.length} playbooks; export one`);
    return { file, data: playbooks[0], locate: () => undefined };
  }
  if (!/\.ya?ml$/.test(file)) refuse('a playbook is YAML (.yml, .yaml) or a module (.ts, .mts, .cts, .js, .mjs, .cjs)');
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    refuse(`cannot read it: ${(error as Error).message}`);
  }
  return parsePlaybookYaml(text, file);
}
