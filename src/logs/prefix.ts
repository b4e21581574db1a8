// The head of each printed line: `HH:MM:SS web.1  | `. Names are padded to one column, each
// process type gets a colour, and the separator says what the line is:
//   `|` a stdout line, `!` a stderr line (red on a terminal), `+` the continuation of a line dozen
//   had to cut (idle partial line or a line over 1 MiB).
// Heads are cached per name and kind while the timestamp text is unchanged, so formatting a
// chunk costs no string work at all most of the time.
import { PALETTE, SGR } from './color.js';
import { formatTimestamp, type TimestampFormat } from './timestamp.js';

export type LineKind = 'stdout' | 'stderr' | 'continued';

/** dozen's own lines are tagged with this name. */
export const DOZEN_NAME = 'dozen';

const SEPARATOR: Record<LineKind, string> = { stdout: '|', stderr: '!', continued: '+' };

export interface HeadOptions {
  color: boolean;
  timestamps: boolean;
  timestampFormat: TimestampFormat;
  /** Every name that will be printed (instances, `release` if it runs), to pad to one column. */
  names: readonly string[];
}

interface CachedHead {
  stampKey: number;
  head: Buffer;
}

export class HeadFormatter {
  private width: number;
  private readonly typeColors = new Map<string, string>();
  private readonly cache = new Map<string, CachedHead>();

  constructor(private readonly opts: HeadOptions) {
    this.width = DOZEN_NAME.length;
    for (const name of opts.names) {
      this.width = Math.max(this.width, name.length);
      this.colorOf(name);
    }
  }

  /** The head for lines of `name` of this kind read at `at` (epoch ms). */
  head(at: number, name: string, kind: LineKind): Buffer {
    const stampKey = this.opts.timestamps ? (this.opts.timestampFormat === 'time' ? Math.floor(at / 1000) : at) : 0;
    const key = kind + name;
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.stampKey === stampKey) return cached.head;
    if (name.length > this.width) {
      // A name not known up front (e.g. scaled in later): widen the column from now on.
      this.width = name.length;
      this.cache.clear();
    }
    const head = Buffer.from(this.render(at, name, kind));
    this.cache.set(key, { stampKey, head });
    return head;
  }

  /** The head as text (also used for dozen's own lines). */
  render(at: number, name: string, kind: LineKind): string {
    const stamp = this.opts.timestamps ? `${formatTimestamp(at, this.opts.timestampFormat)} ` : '';
    const label = `${stamp}${name.padEnd(this.width)} `;
    const sep = SEPARATOR[kind];
    if (!this.opts.color) return `${label}${sep} `;
    const color = this.colorOf(name);
    const sepColor = kind === 'stderr' ? SGR.red : color;
    // Reset first: a child may have left colours on at the end of its previous line.
    return `${SGR.reset}${color}${label}${sepColor}${sep}${SGR.reset} `;
  }

  /** One colour per process type (`web.1` and `web.2` share one), cycling the palette. */
  private colorOf(name: string): string {
    if (name === DOZEN_NAME) return SGR.bold;
    const type = name.replace(/\.\d+$/, '');
    let color = this.typeColors.get(type);
    if (color === undefined) {
      color = SGR.fg(PALETTE[this.typeColors.size % PALETTE.length]!);
      this.typeColors.set(type, color);
    }
    return color;
  }
}
