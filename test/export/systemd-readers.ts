// Independent readers for the two systemd syntaxes dozen writes, following the documentation
// rather than dozen's writer, so a test can read the exported files back the way systemd does.

const WS = new Set([' ', '\t', '\r']);

/**
 * An EnvironmentFile= file, per systemd.exec(5): lines starting with `#` or `;` and lines without
 * `=` are ignored; a value is unquoted (backslash keeps the next character, backslash-newline
 * continues the line, leading/trailing space, tab and CR dropped), single-quoted (verbatim, may
 * span lines, no escapes) or double-quoted (backslash keeps `"` `\` `` ` `` `$`, drops a newline,
 * and is kept with any other character; may span lines).
 */
export function readEnvironmentFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const at = (k: number): string | undefined => (k < text.length ? text[k] : undefined);
  while (i < text.length) {
    while (WS.has(at(i) ?? '')) i++;
    const lineEnd = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    const line = text.slice(i, lineEnd);
    if (line === '' || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) {
      i = lineEnd + 1;
      continue;
    }
    const eq = text.indexOf('=', i);
    const key = text.slice(i, eq).trim().replace(/^export\s+/, '');
    i = eq + 1;
    while (WS.has(at(i) ?? '')) i++;
    let value = '';
    const quote = at(i);
    if (quote === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) throw new Error(`unterminated single quote for ${key}`);
      value = text.slice(i + 1, close);
      i = close + 1;
    } else if (quote === '"') {
      i++;
      for (;;) {
        const c = at(i);
        if (c === undefined) throw new Error(`unterminated double quote for ${key}`);
        i++;
        if (c === '"') break;
        if (c !== '\\') {
          value += c;
          continue;
        }
        const next = at(i);
        i++;
        if (next === undefined) throw new Error(`backslash at end of file in ${key}`);
        if (next === '\n') continue;
        value += '"\\`$'.includes(next) ? next : `\\${next}`;
      }
    } else {
      for (;;) {
        const c = at(i);
        if (c === undefined || c === '\n') break;
        i++;
        if (c === '\\') {
          const next = at(i);
          i++;
          if (next === undefined) break;
          if (next !== '\n') value += next;
          continue;
        }
        value += c;
      }
      while (value !== '' && WS.has(value[value.length - 1] ?? '')) value = value.slice(0, -1);
      out[key] = value;
      i++;
      continue;
    }
    // After a quoted value only whitespace may follow on the line (anything else is not
    // documented, so refuse it rather than guess).
    while (WS.has(at(i) ?? '')) i++;
    if (at(i) !== undefined && at(i) !== '\n') throw new Error(`text after the closing quote of ${key}`);
    out[key] = value;
    i++;
  }
  return out;
}

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', s: ' ', '\\': '\\', '"': '"', "'": "'" };

/**
 * An ExecStart= line as systemd runs it: `%%` -> `%` (specifiers, systemd.unit(5)), words split on
 * whitespace with single/double quotes and C escapes (systemd.syntax(7)), then `$$` -> `$`
 * (systemd.service(5); the lines under test hold no other `$`).
 */
export function readExecStart(line: string): string[] {
  if (/%[^%]/.test(line.replace(/%%/g, ''))) throw new Error(`unescaped specifier in ${line}`);
  const text = line.replace(/%%/g, '%');
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let word = '';
    let quote: string | undefined;
    for (; i < text.length; i++) {
      const c = text[i] as string;
      if (quote === undefined && (c === ' ' || c === '\t')) break;
      if (quote === undefined && (c === '"' || c === "'")) {
        quote = c;
        continue;
      }
      if (c === quote) {
        quote = undefined;
        continue;
      }
      if (c !== '\\') {
        word += c;
        continue;
      }
      const next = text[++i] ?? '';
      if (next === 'x') {
        word += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (C_ESCAPES[next] !== undefined) {
        word += C_ESCAPES[next];
      } else {
        throw new Error(`unknown escape \\${next} in ${line}`);
      }
    }
    if (quote !== undefined) throw new Error(`unterminated quote in ${line}`);
    if (/\$(?!\$)/.test(word.replace(/\$\$/g, ''))) throw new Error(`unescaped $ in ${line}`);
    words.push(word.replace(/\$\$/g, '$'));
  }
  return words;
}
