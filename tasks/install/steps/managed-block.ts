// Our lines in a shared config file live between marker comments, so a re-run replaces
// exactly them and leaves the operator's own lines alone.

const BEGIN = '# BEGIN cloudlet-tasks (managed: edits between these markers are replaced)';
const END = '# END cloudlet-tasks';

/** Returns `content` with the managed block set to `lines` (appended if absent). */
export function replaceManagedBlock(content: string, lines: readonly string[]): string {
  const block = [BEGIN, ...lines, END].join('\n');
  const start = content.indexOf(BEGIN);
  const end = content.indexOf(END, start);
  if (start !== -1 && end !== -1) return content.slice(0, start) + block + content.slice(end + END.length);
  const base = content === '' || content.endsWith('\n') ? content : `${content}\n`;
  return `${base}${block}\n`;
}
