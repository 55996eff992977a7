// `--diff`: what a file step changes, as `diff -u` shows it (3 lines of context, hunks with
// their line ranges). Files are small configuration texts: a plain LCS table is enough, and
// a bigger pair is reported as too big instead of being compared slowly.

const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string };

function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  else out[out.length - 1] += '\n\\ No newline at end of file';
  return out;
}

function edits(a: readonly string[], b: readonly string[]): Edit[] {
  // longest[i][j]: the longest common subsequence of a[i..] and b[j..].
  const longest = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      longest[i]![j] = a[i] === b[j] ? longest[i + 1]![j + 1]! + 1 : Math.max(longest[i + 1]![j]!, longest[i]![j + 1]!);
    }
  }
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: ' ', line: a[i]! });
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || longest[i + 1]![j]! >= longest[i]![j + 1]!)) {
      // Removals before additions, as diff -u shows a changed line.
      out.push({ op: '-', line: a[i]! });
      i += 1;
    } else {
      out.push({ op: '+', line: b[j]! });
      j += 1;
    }
  }
  return out;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}

/** The unified diff from `before` to `after`, labelled with `path`; empty when they are equal. */
export function unifiedDiff(before: string, after: string, path: string): string[] {
  const a = lines(before);
  const b = lines(after);
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) return [`(${path}: ${a.length} -> ${b.length} lines, too big to show as a diff)`];
  const all = edits(a, b);
  const changed = all.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  if (changed.length === 0) return [];
  const out = [`--- ${path}`, `+++ ${path}`];
  let first = 0;
  while (first < changed.length) {
    // A hunk: changes closer than twice the context share their context lines.
    let last = first;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * CONTEXT) last += 1;
    const from = Math.max(0, changed[first]! - CONTEXT);
    const to = Math.min(all.length, changed[last]! + CONTEXT + 1);
    const before = all.slice(0, from);
    const oldStart = before.filter((e) => e.op !== '+').length + 1;
    const newStart = before.filter((e) => e.op !== '-').length + 1;
    const hunk = all.slice(from, to);
    out.push(`@@ -${range(oldStart, hunk.filter((e) => e.op !== '+').length)} +${range(newStart, hunk.filter((e) => e.op !== '-').length)} @@`);
    for (const edit of hunk) out.push(...`${edit.op}${edit.line}`.split('\n'));
    first = last + 1;
  }
  return out;
}
