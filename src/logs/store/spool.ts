// The spool: an append-only file beside the store (`logs.spool`, mode 0600) that takes the lines
// while no writer thread runs. Appending a batch is one write(2) on the main thread: no SQLite and
// no second V8 isolate, which is what a light app (a few lines now and then) or an output flood
// would otherwise pay for. A writer thread moves the spool into the database once output is quiet
// (or the spool has grown large); `dozen logs` reads the part not yet moved, so every line written
// here is visible at once, and survives a SIGKILL of dozen.
//
// No SQLite here: this module is loaded on dozen's main thread.
//
// Format: a 16-byte header (`DZSP`, version 1, the spool's generation as a float64), then records:
//   u32 length of the rest | f64 tsUs | u8 source | u8 stream length | u16 instance length |
//   stream | instance | the lines (complete, `\n`-terminated)
// The generation (creation time in µs, plus a random part) tells one spool from the next: the
// database's `meta` keeps the generation and the offset moved so far.
import { closeSync, fstatSync, ftruncateSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openPrivate } from '../../platform/private-files.js';
import type { Batch } from './batch.js';
import type { LogSource } from './stored-line.js';

export const SPOOL_FILE = 'logs.spool';
export const SPOOL_HEADER = 16;
const MAGIC = 0x5053_5a44; // 'DZSP' little-endian
const VERSION = 1;
const FIXED = 4 + 8 + 1 + 1 + 2;
/** A record's source byte is its index here. */
const SOURCE_BYTES: readonly LogSource[] = ['app', 'dozen', 'build'];

export function spoolPath(stateDir: string): string {
  return join(stateDir, SPOOL_FILE);
}

export interface SpoolRecord {
  tsUs: number;
  instance: string;
  source: LogSource;
  stream: string;
  data: Buffer;
  /** Offset of this record in the file. */
  start: number;
  /** Offset just after this record. */
  end: number;
}

/**
 * Writes a record's header at `at` in `target` for `dataLen` bytes of lines (written after it by
 * the caller, at `at + recordHeaderLength(stream, instance)`). Returns the data's offset.
 */
export function writeRecordHeader(target: Buffer, at: number, tsUs: number, source: LogSource, stream: Buffer, instance: Buffer, dataLen: number): number {
  target.writeUInt32LE(FIXED - 4 + stream.length + instance.length + dataLen, at);
  target.writeDoubleLE(tsUs, at + 4);
  target.writeUInt8(SOURCE_BYTES.indexOf(source), at + 12);
  target.writeUInt8(stream.length, at + 13);
  target.writeUInt16LE(instance.length, at + 14);
  stream.copy(target, at + FIXED);
  instance.copy(target, at + FIXED + stream.length);
  return at + FIXED + stream.length + instance.length;
}

export function recordHeaderLength(stream: Buffer, instance: Buffer): number {
  return FIXED + stream.length + instance.length;
}

/**
 * Appends batches to the spool, opened on the first append. A batch's bytes are spool records
 * already (ChunkQueue lays them out so): appending is one write, no copy.
 */
export class SpoolWriter {
  private fd: number | undefined;
  private size = 0;

  constructor(readonly path: string) {}

  /** Bytes in the file (header included) at the last append; 0 before the first. */
  get bytes(): number {
    return this.size;
  }

  append(batch: Batch): void {
    if (this.fd === undefined) this.open();
    // One write: a SIGKILL leaves whole batches (a short write would only come with a full disk).
    const bytes = batch.bytes;
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(this.fd as number, bytes, off, bytes.length - off);
    } catch (err) {
      // A full disk took part of the batch: cut it off, so the next append starts on a record.
      if (off > 0) ftruncateSync(this.fd as number, this.size);
      throw err;
    }
    this.size += bytes.length;
  }

  /** Closes the file (the next append reopens it, or starts a new spool if it was moved). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    let fd = openPrivate(this.path, 'append');
    let size = fstatSync(fd).size;
    if (size >= SPOOL_HEADER) {
      // Left by an earlier run: appended to if whole. A write cut short (a full disk) is cut off;
      // a file that is not a spool is set aside.
      const end = wholeRecordsEnd(fd, size);
      if (end === undefined) {
        closeSync(fd);
        renameSync(this.path, `${this.path}.damaged`);
        fd = openPrivate(this.path, 'append');
        size = 0;
      } else if (end < size) {
        ftruncateSync(fd, end);
        size = end;
      }
    }
    if (size < SPOOL_HEADER) {
      // New (or a header torn by a full disk): start a new generation.
      const head = Buffer.alloc(SPOOL_HEADER);
      head.writeUInt32LE(MAGIC, 0);
      head.writeUInt32LE(VERSION, 4);
      head.writeDoubleLE(Date.now() * 1000 + Math.floor(Math.random() * 1000), 8);
      try {
        ftruncateSync(fd, 0);
        if (writeSync(fd, head) !== SPOOL_HEADER) throw Object.assign(new Error('short write of the spool header'), { code: 'ENOSPC' });
      } catch (err) {
        closeSync(fd); // the next append opens it again (a torn header is started over)
        throw err;
      }
      size = SPOOL_HEADER;
    }
    this.fd = fd;
    this.size = size;
  }
}

/**
 * Reads the spool's records from `from` (default: the first), about `maxBytes` of them (at least
 * one); a record cut short at the end (being written) is left out. `end` is the offset after the
 * last record read, `size` the file's size. Undefined when there is no spool (or not a valid one).
 */
export function readSpool(
  path: string,
  from = SPOOL_HEADER,
  maxBytes = Number.MAX_SAFE_INTEGER,
): { gen: number; records: SpoolRecord[]; end: number; size: number } | undefined {
  let fd: number;
  try {
    fd = openPrivate(path, 'read');
  } catch {
    return undefined; // none, or not one to read (a link)
  }
  try {
    const size = fstatSync(fd).size;
    if (size < SPOOL_HEADER) return undefined;
    const head = Buffer.alloc(SPOOL_HEADER);
    readSync(fd, head, 0, SPOOL_HEADER, 0);
    if (!isSpoolHeader(head)) return undefined;
    const gen = head.readDoubleLE(8);
    const start = Math.max(from, SPOOL_HEADER);
    if (start >= size) return { gen, records: [], end: start, size };
    let want = Math.min(size - start, maxBytes);
    let buf = readAt(fd, start, want);
    if (buf.length >= 4 && 4 + buf.readUInt32LE(0) > buf.length && want < size - start) {
      // The first record alone is longer than maxBytes: read it whole.
      want = Math.min(size - start, 4 + buf.readUInt32LE(0));
      buf = readAt(fd, start, want);
    }
    const records: SpoolRecord[] = [];
    let at = 0;
    while (at + FIXED <= buf.length) {
      const len = buf.readUInt32LE(at);
      if (at + 4 + len > buf.length || len < FIXED - 4) break;
      const streamLen = buf.readUInt8(at + 13);
      const instLen = buf.readUInt16LE(at + 14);
      const s = at + FIXED;
      const end = at + 4 + len;
      records.push({
        tsUs: buf.readDoubleLE(at + 4),
        source: SOURCE_BYTES[buf.readUInt8(at + 12)] ?? 'app',
        stream: buf.toString('utf8', s, s + streamLen),
        instance: buf.toString('utf8', s + streamLen, s + streamLen + instLen),
        data: buf.subarray(s + streamLen + instLen, end),
        start: start + at,
        end: start + end,
      });
      at = end;
    }
    return { gen, records, end: start + at, size };
  } finally {
    closeSync(fd);
  }
}

/** The generation of the spool at `path` (its header only is read); undefined when there is none. */
export function spoolGeneration(path: string): number | undefined {
  return readSpool(path, Number.MAX_SAFE_INTEGER)?.gen;
}

function isSpoolHeader(head: Buffer): boolean {
  return head.length >= SPOOL_HEADER && head.readUInt32LE(0) === MAGIC && head.readUInt32LE(4) === VERSION;
}

/** The offset after the spool's last whole record, reading only the headers; undefined if `fd` is not a spool. */
function wholeRecordsEnd(fd: number, size: number): number | undefined {
  const head = readAt(fd, 0, SPOOL_HEADER);
  if (!isSpoolHeader(head)) return undefined;
  let at = SPOOL_HEADER;
  while (at + FIXED <= size) {
    const len = readAt(fd, at, 4).readUInt32LE(0);
    if (len < FIXED - 4 || at + 4 + len > size) break;
    at += 4 + len;
  }
  return at;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
