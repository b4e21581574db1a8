// The hot path of the printer: put a head (timestamp, name, separator) before every line of a
// chunk. No per-line allocation: newline offsets go into a reused scratch array, the chunk is
// copied once to the end of the space it will take and each line is then moved into place with
// copyWithin (a native memmove that allocates nothing, unlike Buffer#copy on a slice).

const NL = 0x0a;

/** Newline offsets of the chunk being formatted; grown when a chunk has more lines. */
let scratch: Int32Array = new Int32Array(8192);

/** Where prefixed lines are appended: `reserve(n)` makes room for n bytes at `bytes[length]`. */
export interface ByteBatch {
  bytes: Buffer;
  length: number;
  reserve(n: number): void;
}

/**
 * `head` before every line of `data` (`firstHead` before the first one, e.g. to mark a continued
 * line). A last line without `\n` is prefixed too and left without one.
 */
export function prefixLines(data: Buffer, head: Buffer, firstHead: Buffer = head): Buffer {
  const lines = findLineEnds(data);
  if (lines === 0) return data;
  const out = Buffer.allocUnsafe(data.length + firstHead.length + (lines - 1) * head.length);
  place(data, lines, head, firstHead, out, 0);
  return out;
}

/** The same as prefixLines, appended to `batch` (no buffer allocated per chunk). */
export function appendPrefixed(batch: ByteBatch, data: Buffer, head: Buffer, firstHead: Buffer = head): void {
  const lines = findLineEnds(data);
  const size = lines === 0 ? 0 : data.length + firstHead.length + (lines - 1) * head.length;
  if (size === 0) return;
  batch.reserve(size);
  place(data, lines, head, firstHead, batch.bytes, batch.length);
  batch.length += size;
}

/** Pass 1: the line ends of `data` into scratch; returns how many lines. */
function findLineEnds(data: Buffer): number {
  let lines = 0;
  for (let pos = 0; ; ) {
    const nl = data.indexOf(NL, pos);
    if (nl === -1) break;
    if (lines === scratch.length) scratch = grow(scratch);
    scratch[lines++] = nl;
    pos = nl + 1;
  }
  if (data.length > 0 && data[data.length - 1] !== NL) {
    if (lines === scratch.length) scratch = grow(scratch);
    scratch[lines++] = data.length - 1; // an unterminated last line ends at the last byte
  }
  return lines;
}

/**
 * Pass 2: the chunk goes to the end of its space in `out` (from `at`), then each line moves left
 * into place. A line never moves past bytes not yet moved, because the heads before it fit in the gap.
 */
function place(data: Buffer, lines: number, head: Buffer, firstHead: Buffer, out: Buffer, at: number): void {
  const size = data.length + firstHead.length + (lines - 1) * head.length;
  const base = at + size - data.length;
  out.set(data, base);
  out.set(firstHead, at);
  let dest = at + firstHead.length;
  let start = 0; // start of the current line in `data`
  for (let i = 0; i < lines; i++) {
    if (i > 0) {
      out.set(head, dest);
      dest += head.length;
    }
    const end = scratch[i]! + 1;
    if (dest !== base + start) out.copyWithin(dest, base + start, base + end);
    dest += end - start;
    start = end;
  }
}

function grow(a: Int32Array): Int32Array {
  const bigger = new Int32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
