// Lines we once added to a shared config file live between marker comments, so a later run can
// take out exactly them and leave the operator's own lines alone.

const BEGIN = '# BEGIN cloudlet-tasks (managed: edits between these markers are replaced)';
const END = '# END cloudlet-tasks';

/** Returns `content` without its managed block (markers and the newline after them included). */
export function removeManagedBlock(content: string): string {
  const start = content.indexOf(BEGIN);
  const end = start === -1 ? -1 : content.indexOf(END, start);
  if (end === -1) return content;
  const after = end + END.length;
  return content.slice(0, start) + content.slice(content[after] === '\n' ? after + 1 : after);
}
