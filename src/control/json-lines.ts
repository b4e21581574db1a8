// Newline framing for the control socket: calls onLine for each complete line of a stream.
import { StringDecoder } from 'node:string_decoder';

export interface JsonLinesOptions {
  onLine: (line: string) => void;
  /** A line that grows past this is a protocol violation: onOverflow, and no more lines. */
  maxLineBytes: number;
  onOverflow: () => void;
}

/** What readJsonLines needs of a socket (an EventEmitter in tests). */
export interface DataSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** Reads `source` as UTF-8 lines (a character split across chunks is kept whole). Blank lines are skipped. */
export function readJsonLines(source: DataSource, opts: JsonLinesOptions): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let overflowed = false;
  source.on('data', (chunk: Buffer) => {
    if (overflowed) return;
    const searchFrom = pending.length; // what was pending holds no newline
    pending += decoder.write(chunk);
    let start = 0;
    let newline = pending.indexOf('\n', searchFrom);
    while (newline !== -1) {
      const line = pending.slice(start, newline).trim();
      start = newline + 1;
      if (line.length > 0) opts.onLine(line);
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    // String length counts UTF-16 units, a lower bound of the byte length: good enough for a cap.
    if (pending.length > opts.maxLineBytes) {
      overflowed = true;
      pending = '';
      opts.onOverflow();
    }
  });
}
