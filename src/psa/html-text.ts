import { Tokenizer } from 'htmlparser2';

/**
 * Ticket text as plain text — the one HTML-to-text of the connector. Halo keeps ticket text as HTML (`details`), and a
 * ConnectWise description pasted from an e-mail may hold tags too; the UPN and start date are searched in the result.
 *
 * Ticket text is written by whoever can file a ticket (web form, e-mail), so it is read defensively (issue 11: 100,000
 * `<` once froze the process for 34 s in a backtracking regex): only its first MAX_TICKET_TEXT characters are read, and
 * htmlparser2's tokenizer reads those in one linear pass. Block ends and `<br>` become line breaks, tags go, script and
 * style contents go, entities are decoded once (so `&amp;lt;` stays `&lt;`), spaces are collapsed within each line.
 */
export const MAX_TICKET_TEXT = 64 * 1024;

const BLOCKS = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre']);
const HIDDEN = new Set(['script', 'style']);

/** The first `max` characters, never ending in half a surrogate pair. */
export function capText(text: string, max = MAX_TICKET_TEXT): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

export function htmlToText(html: string): string {
  const input = capText(html);
  const parts: string[] = [];
  let tag = '';
  let hidden = false;
  // Adjacent text sections (the tokenizer hands `<<<<` over one character at a time) are joined as one slice.
  let from = 0;
  let to = 0;
  const flush = () => {
    if (to > from) parts.push(input.slice(from, to));
    from = to = 0;
  };
  const push = (text: string) => {
    flush();
    parts.push(text);
  };
  const name = (start: number, end: number) => input.slice(start, end).toLowerCase();
  // htmlparser2's tokenizer, not its Parser: the Parser keeps a stack of open elements that costs O(depth) per tag
  // (`unshift`, `indexOf`), so 13,000 nested `<div>` would be quadratic again. Only tag names matter here.
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      ontext: (start, end) => {
        if (hidden) return;
        if (to !== start) flush();
        if (to === 0) from = start;
        to = end;
      },
      ontextentity: (codepoint) => {
        if (!hidden) push(String.fromCodePoint(codepoint));
      },
      onopentagname: (start, end) => {
        tag = name(start, end);
      },
      onopentagend: () => {
        if (tag === 'br') push('\n');
        // The tokenizer reads a script or style element's content as raw text up to its end tag: drop that text.
        else if (HIDDEN.has(tag)) hidden = true;
      },
      onselfclosingtag: () => {
        if (tag === 'br') push('\n');
      },
      onclosetag: (start, end) => {
        const closed = name(start, end);
        if (HIDDEN.has(closed)) hidden = false;
        else if (BLOCKS.has(closed)) push('\n');
      },
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      onattribname: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onend: noop,
      onprocessinginstruction: noop,
    },
  );
  tokenizer.write(input);
  tokenizer.end();
  flush();
  return tidyLines(parts.join(''));
}

const noop = () => undefined;

/**
 * Spaces collapsed and trimmed per line, at most one blank line in a row, no outer blank lines. Whole-text passes
 * rather than a split into lines: 64 KB of line breaks would be 65,536 strings. Each pattern is linear (after the
 * first, a run of spaces is one space, so ` ?\n ?` cannot backtrack).
 */
function tidyLines(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
