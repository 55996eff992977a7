/** Text shown to people: control characters refused on input and escaped on output. */
export { escapeControlCharacters, hasControlCharacters } from './control-characters.js';
