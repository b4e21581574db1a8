// The packages a file imports, found by reading it (no parser): Node's bare `import`/`require`
// specifiers and Python's top-level `import`/`from` names, each with its line.
import { builtinModules } from 'node:module';
import { isCommentLine, linesOf } from './source-kinds.js';

export interface ImportedName {
  /** The package (`express`, `@scope/pkg`) or top-level module (`requests`). */
  name: string;
  line: number;
  /** What was written, for the evidence (`import express from 'express'`). */
  text: string;
  /** A type-only import (TypeScript): an `@types/` package declares it too. */
  typeOnly?: boolean;
}

const NODE_BUILTINS = new Set(builtinModules);
const NODE_PATTERNS = [
  /\b(import|export)\s+(type\s+)?[^'";]*?\bfrom\s*['"]([^'"\n]+)['"]/g,
  /^\s*(import)\s*()['"]([^'"\n]+)['"]/gm,
  /\b(require|import)\s*()\(\s*['"]([^'"\n]+)['"]\s*\)/g,
];

/** The bare package names a JavaScript or TypeScript file imports (built-ins and relative paths left out). */
export function nodeImports(text: string): ImportedName[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineAt = (index: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const lines = linesOf(text);
  const found: ImportedName[] = [];
  for (const pattern of NODE_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const spec = m[3] as string;
      const line = lineAt(m.index + m[0].indexOf(m[1] as string));
      const source = lines[line - 1] ?? '';
      if (isCommentLine(source)) continue;
      const name = nodePackageName(spec);
      if (name === undefined) continue;
      const imported: ImportedName = { name, line, text: source.trim().slice(0, 120) };
      if (m[2]) imported.typeOnly = true;
      found.push(imported);
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** `@scope/pkg/sub` -> `@scope/pkg`, `pkg/sub` -> `pkg`; undefined for built-ins, paths, URLs, aliases. */
export function nodePackageName(spec: string): string | undefined {
  if (/^[./#~$]|^@\/|^[a-z][a-z0-9+.-]*:|\$\{/i.test(spec)) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  if (spec.startsWith('@') && parts.length < 2) return undefined;
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) return undefined; // not a package name: prose, a template
  if (NODE_BUILTINS.has(name) || NODE_BUILTINS.has(spec)) return undefined;
  return name;
}

/**
 * The top-level modules a Python file imports (relative imports left out). Imports in a `try:`
 * or `except ...:` block are optional (`try: import ujson as json`) and left out too, as are
 * lines inside triple-quoted strings.
 */
export function pythonImports(text: string): ImportedName[] {
  const found: ImportedName[] = [];
  const openBlocks: number[] = [];
  let inString: string | undefined;
  linesOf(text).forEach((raw, i) => {
    const line = i + 1;
    if (inString !== undefined) {
      if (raw.includes(inString)) inString = undefined;
      return;
    }
    const quote = /"""|'''/.exec(raw);
    if (quote && raw.split(quote[0]).length % 2 === 0) inString = quote[0];
    if (raw.trim() === '' || isCommentLine(raw)) return;
    const indent = (/^\s*/.exec(raw) as RegExpExecArray)[0].length;
    while (openBlocks.length > 0 && indent <= (openBlocks[openBlocks.length - 1] as number)) openBlocks.pop();
    if (/^\s*(try|except\b[^:]*)\s*:/.test(raw)) {
      openBlocks.push(indent);
      return;
    }
    if (openBlocks.length > 0) return;
    const from = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(raw);
    const plain = /^\s*import\s+([^#;]+)/.exec(raw);
    const names = from ? [from[1] as string] : plain ? (plain[1] as string).split(',').map((n) => n.trim().split(/\s+/)[0] as string) : [];
    for (const module of names) {
      const name = module.split('.')[0] as string;
      if (/^[A-Za-z_]\w*$/.test(name)) found.push({ name, line, text: raw.trim().slice(0, 120) });
    }
  });
  return found;
}
