// Escapes and `$` references in one left-to-right pass over a value, docker-compose (POSIX)
// rules: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:+a}`, `${VAR+a}`, `${VAR:?msg}`,
// `${VAR?msg}`; `$$` and `\$` give a literal `$`; `$(...)` is never run and stays as written;
// a `$` not followed by a name or `{` is literal; an unset `$VAR` gives "".
//
// One pass over the raw text (rather than "unescape, then expand") so that an escaped `\$` can
// never be mistaken for a reference and `${A:-"x"}` can contain escapes.

import { clip, KiB } from './limits.js';

/** Which escapes apply: double quotes process `\n \r \t \\ \" \$`; unquoted text only `\$`. */
export type ExpandMode = 'unquoted' | 'double';

/** The value a referenced variable will have, or undefined when it is unset. */
export type Lookup = (name: string) => string | undefined;

export type ExpandResult = { ok: true; value: string } | { ok: false; message: string };

export interface ExpandOptions {
  mode: ExpandMode;
  /** The longest value (in UTF-16 units) expansion may build; past it, the value fails. */
  maxLength?: number;
  /** false: `$` is plain text (double-quote escapes, `\$` included, are still processed). */
  expand: boolean;
  lookup: Lookup;
}

const DOUBLE_QUOTE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '\\': '\\',
  '"': '"',
  $: '$',
};

/** Deeper `${...}` nesting than this is refused rather than risking the stack. */
const MAX_DEPTH = 32;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Keys may contain dots (`POSTGRESQL.MAIN.USER`); inside braces a dot cannot be misread. */
const BRACED_NAME_CHAR = /[A-Za-z0-9_.]/;

/** Expands `raw` (the text of one value). Never throws; messages never contain values. */
export function expandValue(raw: string, opts: ExpandOptions): ExpandResult {
  const expander = new Expander(raw, opts);
  try {
    return { ok: true, value: expander.word(0, true) };
  } catch (err) {
    if (err instanceof ExpandFailure) return { ok: false, message: err.message };
    throw err;
  }
}

/** Internal control flow for a value that cannot be expanded; never escapes expandValue. */
class ExpandFailure extends Error {}

class Expander {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly opts: ExpandOptions,
  ) {}

  /**
   * Reads text up to the end, or (depth > 0, inside `${...}`) up to the unmatched `}`, which is
   * left for the caller. With `evaluate` false (a default that is not used) references are only
   * checked for syntax: no lookups, no `:?` failures.
   */
  word(depth: number, evaluate: boolean): string {
    const { src } = this;
    const { mode, expand } = this.opts;
    let out = '';
    let parens = 0; // > 0 while inside a `$(...)`, which is kept as written
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      const next = src[this.pos + 1];
      if (depth > 0 && c === '}') return out;
      if (c === '\\' && next !== undefined) {
        const escaped = mode === 'double' ? DOUBLE_QUOTE_ESCAPES[next] : undefined;
        if (escaped !== undefined) {
          out += escaped;
          this.pos += 2;
          continue;
        }
        if (mode === 'unquoted' && next === '$' && expand && parens === 0) {
          out += '$';
          this.pos += 2;
          continue;
        }
        // Any other backslash is kept as written.
      }
      if (parens > 0) {
        if (c === '(') parens++;
        if (c === ')') parens--;
      } else if (c === '$' && expand) {
        if (next === '(') {
          parens = 1;
          out += '$(';
          this.pos += 2;
          continue;
        }
        out += this.dollar(depth, evaluate);
        if (out.length > (this.opts.maxLength ?? Infinity)) throw new ExpandFailure(`expands to more than ${KiB(this.opts.maxLength ?? 0)}`);
        continue;
      }
      out += c;
      this.pos++;
    }
    if (depth > 0) throw new ExpandFailure('unterminated "${" reference (missing "}")');
    return out;
  }

  /** At a `$`: `$$`, `$NAME`, `${...}`, or a literal `$`. */
  private dollar(depth: number, evaluate: boolean): string {
    const next = this.src[this.pos + 1];
    if (next === '$') {
      this.pos += 2;
      return '$';
    }
    if (next === '{') return this.braced(depth, evaluate);
    if (next !== undefined && NAME_START.test(next)) {
      this.pos++;
      const name = this.name();
      return evaluate ? (this.opts.lookup(name) ?? '') : '';
    }
    this.pos++;
    return '$';
  }

  private name(chars: RegExp = NAME_CHAR): string {
    const start = this.pos;
    if (NAME_START.test(this.src[this.pos] ?? '')) {
      this.pos++;
      while (chars.test(this.src[this.pos] ?? '')) this.pos++;
    }
    return this.src.slice(start, this.pos);
  }

  /** At `${`: `${NAME}` or `${NAME<op>word}`. */
  private braced(depth: number, evaluate: boolean): string {
    if (depth >= MAX_DEPTH) throw new ExpandFailure(`"\${...}" references nested more than ${MAX_DEPTH} deep`);
    this.pos += 2;
    const name = this.name(BRACED_NAME_CHAR);
    if (name === '') throw new ExpandFailure('expected a variable name after "${"');
    const value = evaluate ? this.opts.lookup(name) : undefined;
    const isSet = value !== undefined;
    const nonEmpty = isSet && value !== '';

    let op = this.src[this.pos];
    if (op === '}') {
      this.pos++;
      return value ?? '';
    }
    if (op === ':' && '-+?'.includes(this.src[this.pos + 1] ?? '#')) op = `:${this.src[this.pos + 1]}`;
    if (op === undefined) throw new ExpandFailure(`unterminated "\${${clip(name)}" reference (missing "}")`);
    if (!['-', ':-', '+', ':+', '?', ':?'].includes(op)) {
      throw new ExpandFailure(`expected "}", ":-", "-", ":+", "+", ":?" or "?" after "\${${clip(name)}"`);
    }
    this.pos += op.length;

    // The word is only evaluated when its value is used (as in sh).
    const wordStart = this.pos;
    const uses = evaluate && wordIsUsed(op, isSet, nonEmpty);
    const word = this.word(depth + 1, uses);
    const rawWord = this.src.slice(wordStart, this.pos);
    this.pos++; // the closing `}`

    switch (op) {
      case ':-':
      case '-':
        return uses ? word : (value ?? '');
      case ':+':
      case '+':
        return uses ? word : '';
      default: // ':?' and '?'
        if (uses) {
          const what = op === ':?' ? 'is not set or empty' : 'is not set';
          throw new ExpandFailure(`required variable ${clip(name)} ${what}${rawWord ? `: ${clip(rawWord)}` : ''}`);
        }
        return value ?? '';
    }
  }
}

/** Whether `${NAME<op>word}` uses its word, given whether NAME is set and non-empty. */
function wordIsUsed(op: string, isSet: boolean, nonEmpty: boolean): boolean {
  switch (op) {
    case ':-':
    case ':?':
      return !nonEmpty;
    case '-':
    case '?':
      return !isSet;
    case ':+':
      return nonEmpty;
    default: // '+'
      return isSet;
  }
}
