// Newline framing for the control socket: calls onLine for each complete line of a stream.
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

export interface JsonLinesOptions {
  onLine: (line: string) => void;
  /** A line that grows past this is a protocol violation: onOverflow, and no more lines. */
  maxLineBytes: number;
  onOverflow: () => void;
}

/** Reads `socket` as UTF-8 lines. Empty lines are skipped. */
export function readJsonLines(socket: Socket, opts: JsonLinesOptions): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let overflowed = false;
  socket.on('data', (chunk: Buffer) => {
    if (overflowed) return;
    pending += decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line.length > 0) opts.onLine(line);
      newline = pending.indexOf('\n');
    }
    // String length counts UTF-16 units, a lower bound of the byte length: good enough for a cap.
    if (pending.length > opts.maxLineBytes) {
      overflowed = true;
      pending = '';
      opts.onOverflow();
    }
  });
}
