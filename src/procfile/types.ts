import type { Diagnostic } from '../errors.js';

/** One `name: command` line of a Procfile. */
export interface ProcfileEntry {
  name: string;
  /** The text after the colon, trimmed; run later as `sh -c command`. */
  command: string;
  /** 1-based line number in the Procfile. */
  line: number;
}

export interface ParsedProcfile {
  path: string;
  /** In file order: the order drives port assignment. */
  entries: ProcfileEntry[];
  diagnostics: Diagnostic[];
}

/** The special type run once, to completion, before the formation starts. */
export const RELEASE_TYPE = 'release';
