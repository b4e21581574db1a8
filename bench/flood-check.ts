// The flood's records and how to check a manager's output for them. A record is
// `<name> <8-digit n> ` followed by `<name><n>.` five times (61 bytes, 62 with its newline), so
// every record differs from every other one: a line glued from two records cannot pass for one.
// A manager may put any prefix before a record. An output line is intact when it ends with exactly
// one whole record and its prefix holds no piece of another. Split/spliced = output lines holding
// a piece of a record without being one intact record; lost = records whose number appears
// nowhere, not even in a piece.

const REPEAT = 5;

export function record(name: string, n: number): string {
  const num = String(n).padStart(8, '0');
  return `${name} ${num} ${`${name}${num}.`.repeat(REPEAT)}`;
}

const RECORD_LENGTH = record('a', 1).length;

/** A shell command printing records 1..count named `name` (awk: fast, no interpreter start-up). */
export function floodCommand(name: string, count: number): string {
  const fmt = `%s %08d ${'%s%08d.'.repeat(REPEAT)}\\n`;
  const args = Array.from({ length: REPEAT + 1 }, () => `"${name}", i`).join(', ');
  return `awk -v n=${count} 'BEGIN { for (i = 1; i <= n; i++) printf "${fmt}", ${args} }'`;
}

/**
 * A piece of a record: 8 digits in a row, or the seam between two repeats (`4.a0`). Any piece of
 * more than a dozen bytes holds one; pids, ports and times in a manager's own lines do not.
 */
const PIECE = /\d{8}|\d\.[a-z]\d/;
const RECORD_HEAD = /^([a-z]) (\d{8}) /;
const NUMBERED = /([a-z]) ?(\d{8})/g;

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
    if (line.length >= RECORD_LENGTH) {
      const tail = line.slice(line.length - RECORD_LENGTH);
      const rest = line.slice(0, line.length - RECORD_LENGTH);
      const head = RECORD_HEAD.exec(tail);
      const marks = head ? seen.get(head[1]!) : undefined;
      const n = head ? Number(head[2]) : 0;
      if (head && marks && n >= 1 && n <= count && tail === record(head[1]!, n) && (rest === '' || /\s$/.test(rest)) && !PIECE.test(rest)) {
        marks[n] = marks[n] === BROKEN ? 1 : Math.min(marks[n]! + 1, 254);
        intact++;
        continue;
      }
    }
    if (!PIECE.test(line)) continue; // one of the manager's own lines
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
