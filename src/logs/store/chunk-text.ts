// A chunk's bytes as the store keeps them, and back into lines: shared by the writer (which
// stores chunks, and hands back the lines it committed) and the reader (which splits them, and
// reads the spool's).
import type { ChunkRow, StoredLine } from './stored-line.js';

// CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks): the terminal shows
// them, the store keeps plain searchable text.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * A chunk as stored, ending in a newline: its bytes as they came (a BLOB: no decoding, no copy
 * through a JavaScript string), or, when it holds escape codes, its text without them.
 */
export function chunkText(bytes: Uint8Array, start: number, end: number): Buffer | string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  if (buf.includes(0x1b)) {
    const text = buf.toString('utf8').replace(ANSI, '');
    return text.endsWith('\n') ? text : `${text}\n`;
  }
  return buf[buf.length - 1] === 0x0a ? buf : Buffer.concat([buf, Buffer.from('\n')]);
}

/** The lines of a stored chunk (TEXT or BLOB), without newlines and `\r` endings; bad UTF-8 becomes U+FFFD. */
export function splitLines(stored: string | Buffer): string[] {
  const text = typeof stored === 'string' ? stored : stored.toString('utf8');
  const lines = text.split('\n');
  lines.pop(); // after the final newline
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** The number of lines in a stored chunk (its newlines). */
export function countLines(stored: string | Buffer): number {
  let n = 0;
  if (typeof stored === 'string') for (let i = stored.indexOf('\n'); i !== -1; i = stored.indexOf('\n', i + 1)) n++;
  else for (let i = stored.indexOf(0x0a); i !== -1; i = stored.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** The lines of a stored chunk as StoredLines, numbered from the chunk's id. */
export function linesOfChunk(c: ChunkRow): StoredLine[] {
  return splitLines(c.text).map((text, i) => ({ id: c.id + i, tsUs: c.ts, instance: c.instance, type: c.type, source: c.source, stream: c.stream, text }));
}
