// The flood's records and how to check a manager's output for them. Each record is
// `<name> <8-digit number> <PAD>` (60 bytes with its newline). A manager may put any prefix
// before a record; an output line is intact when it ends with exactly one whole record and its
// prefix holds no piece of another. Split/spliced = output lines holding a piece of a record
// without being one intact record; lost = records of which not even the number appears anywhere.

export const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV';
const RECORD_LENGTH = 1 + 1 + 8 + 1 + PAD.length;

/** A shell command printing `count` records named `name` (mawk or gawk: fast, no Node start-up). */
export function floodCommand(name: string, count: number): string {
  return `awk -v n=${count} 'BEGIN { for (i = 1; i <= n; i++) printf "${name} %08d ${PAD}\\n", i }'`;
}

// A piece of a record: its number, or 6 letters in a row of the pad.
const PIECE = new RegExp(`\\d{8}|${Array.from({ length: PAD.length - 5 }, (_, i) => PAD.slice(i, i + 6)).join('|')}`);
const RECORD_HEAD = /^([a-z]) (\d{8}) $/;
const NUMBERED = /([a-z]) (\d{8})/g;

export interface FloodCheck {
  intact: number;
  /** Records absent from the output: neither intact nor as a piece showing their number. */
  lost: number;
  duplicated: number;
  /** Output lines holding part of a record but not exactly one whole record. */
  splitOrSpliced: number;
}

/** Mark of a record seen only as a piece of a broken line. */
const BROKEN = 255;

export function checkFlood(output: string, names: string[], count: number): FloodCheck {
  const seen = new Map(names.map((n) => [n, new Uint8Array(count + 1)]));
  let intact = 0;
  let bad = 0;
  for (const line of output.split('\n')) {
    if (line.endsWith(PAD) && line.length >= RECORD_LENGTH) {
      const rest = line.slice(0, line.length - RECORD_LENGTH);
      const head = RECORD_HEAD.exec(line.slice(line.length - RECORD_LENGTH, line.length - PAD.length));
      const marks = head ? seen.get(head[1]!) : undefined;
      const n = head ? Number(head[2]) : 0;
      if (head && marks && n >= 1 && n <= count && (rest === '' || /\s$/.test(rest)) && !PIECE.test(rest)) {
        marks[n] = marks[n] === BROKEN ? 1 : Math.min(marks[n]! + 1, 254);
        intact++;
        continue;
      }
    }
    if (!PIECE.test(line)) continue; // the manager's own line
    bad++;
    // The numbers visible in a broken line are not lost, only mangled.
    for (const m of line.matchAll(NUMBERED)) {
      const marks = seen.get(m[1]!);
      const n = Number(m[2]);
      if (marks && n >= 1 && n <= count && marks[n] === 0) marks[n] = BROKEN;
    }
  }
  let lost = 0;
  let duplicated = 0;
  for (const marks of seen.values()) {
    for (let i = 1; i <= count; i++) {
      if (marks[i] === 0) lost++;
      else if (marks[i]! > 1 && marks[i] !== BROKEN) duplicated++;
    }
  }
  return { intact, lost, duplicated, splitOrSpliced: bad };
}
