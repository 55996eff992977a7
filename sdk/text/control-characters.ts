/**
 * Text that reaches a terminal must not steer it: C0 and C1 control characters (ESC starts the
 * sequences that move the cursor, clear the screen, retitle the window, or on some terminals
 * answer back), DEL, and the Unicode marks that reorder or break what follows (bidi overrides and
 * isolates, line and paragraph separators). Names from outside are refused when they hold one;
 * anything already stored is shown escaped.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
const CONTROL_ALL = new RegExp(CONTROL.source, 'gu');

/** @example hasControlCharacters('base\u001b[2J') // true */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * `text` with each control character written as a visible escape (\x1b, \u202e).
 *
 * @example escapeControlCharacters('a\u001b[2Jb') // 'a\\x1b[2Jb'
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_ALL, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
