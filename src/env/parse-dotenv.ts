// Tokenizer for .env files, docker-compose dialect (see docs/differences.md, "## .env files").
//
// Why hand-written rather than dotenv/dotenv-expand: dozen must behave exactly as specified, and
// the libraries differ on points that matter: dotenv cuts a comment at any `#` (truncating
// passwords), keeps `\\` and `\"` escaped inside double quotes, silently skips lines it cannot
// parse and reports no line numbers; dotenv-expand works on already-parsed values, so it cannot
// tell single quotes (literal) from double quotes (expanded), treats `$$` as text and (>= 1000)
// runs `$(...)`. Patching around both would cost more than this small scanner.
//
// This module only splits text into entries; escapes and `$` references are handled by
// expand.ts, and precedence by precedence.ts, so each rule lives in one place.

import type { Diagnostic } from '../errors.js';
import { clip } from './limits.js';

/** How a value was written; decides escape processing and expansion later. */
export type QuoteStyle = 'none' | 'double' | 'single' | 'backtick';

export type DotenvEntry =
  /** `KEY=value`, `KEY: value`, `export KEY=value`. `raw` is the text between the quotes (or the
   * trimmed, comment-stripped unquoted text), escapes not yet processed. */
  | { kind: 'assign'; key: string; line: number; quote: QuoteStyle; raw: string }
  /** A key alone on its line (`KEY` or `export KEY`): inherits its value from the environment. */
  | { kind: 'bare'; key: string; line: number; exported: boolean };

export interface ParsedDotenv {
  entries: DotenvEntry[];
  diagnostics: Diagnostic[];
}

export interface ParseDotenvOptions {
  /** Report problems as warnings (the line is skipped either way). */
  lenient: boolean;
}

export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const KEY_HINT = '(keys are letters, digits, "_", "." and "-", not starting with a digit)';
const QUOTE_NAMES: Record<string, string> = { '"': 'double', "'": 'single', '`': 'backtick' };

/** Splits .env text into entries. Never throws: problems are diagnostics naming `file:line`. */
export function parseDotenv(text: string, file: string, opts: ParseDotenvOptions): ParsedDotenv {
  const scanner = new Scanner(normalize(text), file, opts.lenient ? 'warning' : 'error');
  return scanner.run();
}

/** Drops a leading BOM and turns CRLF / lone CR into LF, so line numbers count as editors do. */
function normalize(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

class Scanner {
  private pos = 0;
  private line = 1;
  private readonly entries: DotenvEntry[] = [];
  private readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
    private readonly severity: Diagnostic['severity'],
  ) {}

  run(): ParsedDotenv {
    while (this.pos < this.src.length) this.statement();
    return { entries: this.entries, diagnostics: this.diagnostics };
  }

  /** Index of the end of the physical line containing `from` (the `\n` or the text's end). */
  private eol(from: number): number {
    const i = this.src.indexOf('\n', from);
    return i === -1 ? this.src.length : i;
  }

  /** Moves to the start of the line after the one containing `from`, counting lines crossed. */
  private nextLineAfter(from: number): void {
    const end = this.eol(from);
    this.line += countNewlines(this.src, this.pos, end) + (end < this.src.length ? 1 : 0);
    this.pos = end + 1;
  }

  private skipBlanks(i: number): number {
    while (isBlank(this.src[i])) i++;
    return i;
  }

  private report(line: number, message: string, hint?: string): void {
    const d: Diagnostic = { severity: this.severity, file: this.file, line, message };
    if (hint !== undefined) d.hint = hint;
    this.diagnostics.push(d);
  }

  /** Parses one statement starting at `this.pos` (a line start) and moves past it. */
  private statement(): void {
    const { src } = this;
    const lineStart = this.pos;
    const line = this.line;
    const lineEnd = this.eol(lineStart);
    let i = this.skipBlanks(lineStart);
    if (i >= lineEnd || src[i] === '#') return this.nextLineAfter(lineStart);

    // `export KEY...`: the word counts as a prefix only when a key follows (`export=1` is a key).
    let exported = false;
    const afterExport = this.skipBlanks(i + 6);
    const keyFollows = afterExport < lineEnd && !'=:#'.includes(src[afterExport]!);
    if (src.startsWith('export', i) && isBlank(src[i + 6]) && keyFollows) {
      exported = true;
      i = afterExport;
    }

    const keyStart = i;
    while (i < lineEnd && !isBlank(src[i]) && src[i] !== '=' && src[i] !== ':') i++;
    const key = src.slice(keyStart, i);
    i = this.skipBlanks(i);
    const sep = src[i];
    const lineText = src.slice(lineStart, lineEnd);

    if (i >= lineEnd || sep === '#') {
      // A key alone on its line (an optional comment after it is fine).
      if (KEY_PATTERN.test(key)) this.entries.push({ kind: 'bare', key, line, exported });
      else this.report(line, `expected NAME=value, got ${describeBadLine(lineText)}`, KEY_HINT);
      return this.nextLineAfter(lineStart);
    }
    // YAML style needs a blank (or nothing) after the colon, so a stray `http://host` or `C:\dir`
    // line is reported instead of silently becoming a variable.
    const yamlStyle = sep === ':' && (isBlank(src[i + 1]) || i + 1 >= lineEnd);
    if (sep !== '=' && !yamlStyle) {
      this.report(line, `expected NAME=value, got ${describeBadLine(lineText)}`);
      return this.nextLineAfter(lineStart);
    }
    if (!KEY_PATTERN.test(key)) {
      this.report(line, `expected a key like NAME=value, got ${describeBadLine(lineText)}`, KEY_HINT);
      return this.nextLineAfter(lineStart);
    }
    this.value(key, line, this.skipBlanks(i + 1), lineEnd);
  }

  /** Parses the value of `key`, which starts at `start` on the line ending at `lineEnd`. */
  private value(key: string, line: number, start: number, lineEnd: number): void {
    const { src } = this;
    const q = src[start];
    if (q !== '"' && q !== "'" && q !== '`') {
      this.entries.push({ kind: 'assign', key, line, quote: 'none', raw: unquoted(src, start, lineEnd) });
      return this.nextLineAfter(start);
    }

    const close = findClosingQuote(src, start);
    if (close === -1) {
      // Report where the quote opened; skip only that line so one typo does not swallow the file.
      this.report(
        line,
        `unterminated ${QUOTE_NAMES[q]} quote in the value of ${clip(key)}`,
        `(expected a closing ${q} before the end of the file)`,
      );
      return this.nextLineAfter(start);
    }
    const raw = src.slice(start + 1, close);
    const quote: QuoteStyle = q === '"' ? 'double' : q === "'" ? 'single' : 'backtick';

    // After the closing quote only blanks and a comment may follow.
    const closeLine = line + countNewlines(src, start, close);
    const closeEnd = this.eol(close);
    const rest = this.skipBlanks(close + 1);
    if (rest < closeEnd && src[rest] !== '#') {
      const hint = '(put the whole value inside the quotes)';
      this.report(closeLine, `unexpected text after the closing quote of ${clip(key)}`, hint);
    } else {
      this.entries.push({ kind: 'assign', key, line, quote, raw });
    }
    this.nextLineAfter(close);
  }
}

/** An unquoted value: up to a `#` that follows a blank (so `a#b` keeps `#b`), then trimmed. */
function unquoted(src: string, start: number, lineEnd: number): string {
  let end = lineEnd;
  for (let i = start; i < lineEnd; i++) {
    if (src[i] === '#' && isBlank(src[i - 1])) {
      end = i;
      break;
    }
  }
  return src.slice(start, end).trim();
}

/**
 * Index of the quote closing the one at `open`, or -1. A backslash always takes the next character
 * with it, so `\"` (and `\'` in single quotes, as dotenv does) does not end the value; what the
 * backslash means is decided later (single quotes keep it).
 */
function findClosingQuote(src: string, open: number): number {
  const q = src[open];
  for (let i = open + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === q) return i;
  }
  return -1;
}

function countNewlines(src: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (src[i] === '\n') n++;
  return n;
}

/**
 * How a bad line is quoted in a message without leaking a value (which may be a secret): only the
 * text up to and including the first `=`, and nothing at all when there is no `=`.
 */
function describeBadLine(lineText: string): string {
  const text = lineText.trimStart();
  const eq = text.indexOf('=');
  if (eq === -1) return 'a line with no "="';
  const head = text.slice(0, eq + 1);
  return JSON.stringify(head.length > 60 ? `${head.slice(0, 57)}...` : head);
}
