// A drain's bounded buffer. The listener only appends (a copy of) each output chunk; lines are
// split when the drain takes them. Past `maxBytes` the OLDEST chunks are dropped (a receiver that
// comes back gets the freshest lines) and their lines counted for the one "dropped" message.
import type { LogSource } from '../store/stored-line.js';
import type { DrainLine } from './syslog-frame.js';

interface Chunk {
  tsUs: number;
  instance: string;
  source: LogSource;
  stream: string;
  data: Buffer;
}

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export class DrainQueue {
  private chunks: Chunk[] = [];
  private head = 0;
  /** Lines already split off the front chunk, waiting to be taken. */
  private ready: DrainLine[] = [];
  private bytes = 0;
  private droppedLines = 0;

  constructor(private readonly maxBytes: number) {}

  get isEmpty(): boolean {
    return this.ready.length === 0 && this.head === this.chunks.length;
  }

  get dropped(): number {
    return this.droppedLines;
  }

  /** Reads and resets the dropped count. */
  takeDropped(): number {
    const n = this.droppedLines;
    this.droppedLines = 0;
    return n;
  }

  push(tsUs: number, instance: string, source: LogSource, stream: string, data: Buffer): void {
    this.chunks.push({ tsUs, instance, source, stream, data });
    this.bytes += data.length;
    while (this.bytes > this.maxBytes && this.head < this.chunks.length) {
      const old = this.chunks[this.head++] as Chunk;
      this.bytes -= old.data.length;
      this.droppedLines += countLines(old.data);
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Up to `max` lines, oldest first, removed from the queue. */
  take(max: number): DrainLine[] {
    while (this.ready.length < max && this.head < this.chunks.length) {
      const c = this.chunks[this.head++] as Chunk;
      this.bytes -= c.data.length;
      let text = c.data.toString('utf8');
      if (text.includes('\x1b')) text = text.replace(ANSI, '');
      const parts = text.split('\n');
      if (parts[parts.length - 1] === '') parts.pop();
      for (const part of parts) {
        this.ready.push({ tsUs: c.tsUs, instance: c.instance, source: c.source, stream: c.stream, text: part.endsWith('\r') ? part.slice(0, -1) : part });
      }
    }
    return this.ready.splice(0, max);
  }

  /** Puts lines that could not be delivered back at the front (an HTTPS batch to retry). */
  unshift(lines: DrainLine[]): void {
    this.ready = lines.concat(this.ready);
  }
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}
