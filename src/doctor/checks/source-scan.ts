// The line scanners' loop: each line of the files a check reads, comments flagged, and whether
// the line reads the config (a literal there is a default, not the value).
import type { AppFacts, Finding, SourceFile } from '../types.js';
import { isCommentLine, linesOf, readsConfig } from './source-kinds.js';

export interface ScannedLine {
  file: SourceFile;
  line: number;
  text: string;
  comment: boolean;
  /** The line reads the config: a literal on it is a fallback. */
  fallback: boolean;
}

/** Runs `perLine` over every line of the files `include` keeps; how many files were read, and the findings. */
export function scanSource(facts: AppFacts, include: (file: SourceFile) => boolean, perLine: (line: ScannedLine) => Finding[]): { read: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let read = 0;
  for (const file of facts.files) {
    if (!include(file)) continue;
    read += 1;
    linesOf(file.text).forEach((text, i) => {
      findings.push(...perLine({ file, line: i + 1, text, comment: isCommentLine(text), fallback: readsConfig(text) }));
    });
  }
  return { read, findings };
}
