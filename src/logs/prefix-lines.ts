// The hot path of the printer: put a head (timestamp, name, separator) before every line of a
// chunk, producing ONE buffer for ONE write. No per-line allocation: newline offsets go into a
// reused scratch array, the chunk is copied once to the end of the output buffer and each line is
// then moved into place with copyWithin (a native memmove that allocates nothing, unlike
// Buffer#copy on a slice).

const NL = 0x0a;

/** Newline offsets of the chunk being formatted; grown when a chunk has more lines. */
let scratch: Int32Array = new Int32Array(8192);

/**
 * `head` before every line of `data` (`firstHead` before the first one, e.g. to mark a continued
 * line). A last line without `\n` is prefixed too and left without one.
 */
export function prefixLines(data: Buffer, head: Buffer, firstHead: Buffer = head): Buffer {
  // Pass 1: find the line ends.
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
  if (lines === 0) return data;

  // Pass 2: the chunk goes to the end of the output, then each line moves left into place. A line
  // never moves past bytes not yet moved, because the heads before it fit in the gap.
  const size = data.length + firstHead.length + (lines - 1) * head.length;
  const out = Buffer.allocUnsafe(size);
  const base = size - data.length;
  out.set(data, base);
  out.set(firstHead, 0);
  let dest = firstHead.length;
  let start = 0; // start of the current line in `data`
  let headCopyAt = firstHead === head ? 0 : -1; // where a copy of `head` sits in `out`
  for (let i = 0; i < lines; i++) {
    if (i > 0) {
      if (headCopyAt === -1) {
        out.set(head, dest);
        headCopyAt = dest;
      } else {
        out.copyWithin(dest, headCopyAt, headCopyAt + head.length);
      }
      dest += head.length;
    }
    const end = scratch[i]! + 1;
    if (dest !== base + start) out.copyWithin(dest, base + start, base + end);
    dest += end - start;
    start = end;
  }
  return out;
}

function grow(a: Int32Array): Int32Array {
  const bigger = new Int32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
