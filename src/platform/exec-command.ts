// What to hand `sh -c` for a Procfile command. dash (and other shells) fork a child for the last
// command of `-c` instead of replacing themselves, so `web: node web.js` would run as sh + node:
// twice the processes, and a stop signal kills sh at once, so the exit dozen reports is "killed
// by SIGTERM" even when node then exits 0 after a graceful shutdown. For ONE simple command we
// prefix `exec` (after any leading `VAR=value` assignments), as foreman and Ruby's spawn avoid
// the shell: the app is the process dozen watches. Anything else runs as written. Pure.

/** Unquoted characters that make the line more than one simple command (or one we do not judge). */
const COMPOUND = new Set([';', '&', '|', '<', '>', '(', ')', '{', '}', '`', '\n']);

/**
 * First words where `exec` would change the meaning: reserved words, and builtins with no
 * program of the same name (`exec cd dir` fails where `cd dir` works). `time` is a keyword in bash.
 */
const NOT_EXECUTABLE = new Set([
  '!', '{', '}', '[[', ']]', 'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done',
  'case', 'esac', 'in', 'function', 'select', 'time', 'coproc',
  '.', ':', 'source', 'exec', 'eval', 'exit', 'return', 'break', 'continue', 'export', 'readonly',
  'set', 'unset', 'shift', 'times', 'trap', 'cd', 'alias', 'unalias', 'read', 'wait', 'umask',
  'ulimit', 'local', 'command', 'builtin', 'type', 'hash', 'getopts', 'jobs', 'fg', 'bg',
]);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The text for `sh -c`: `exec <command>` (after leading assignments) for one simple command, else `command`. */
export function execCommand(command: string): string {
  const words = simpleCommandWords(command);
  if (words === undefined) return command;
  const first = words.findIndex((w) => !ASSIGNMENT.test(w.text));
  if (first === -1) return command; // only assignments: nothing to exec
  const word = words[first] as Word;
  if (NOT_EXECUTABLE.has(word.text)) return command;
  return `${command.slice(0, word.start)}exec ${command.slice(word.start)}`;
}

/** Whether `execCommand` would add `exec`. */
export function isSimpleCommand(command: string): boolean {
  return execCommand(command) !== command;
}

interface Word {
  /** The word as written (quotes included). */
  text: string;
  /** Its offset in the command. */
  start: number;
}

/**
 * Splits one simple command into its words as written; undefined when it is not one (an unquoted
 * operator, group, redirection, command substitution or newline), or when its quotes do not close
 * (the shell reports that, not us).
 */
function simpleCommandWords(command: string): Word[] | undefined {
  const words: Word[] = [];
  let start = -1;
  const end = (i: number) => {
    if (start !== -1) words.push({ text: command.slice(start, i), start });
    start = -1;
  };
  let i = 0;
  while (i < command.length) {
    const c = command[i] as string;
    if (c === ' ' || c === '\t') {
      end(i);
      i += 1;
      continue;
    }
    if (start === -1) {
      if (c === '#') break; // a comment runs to the end of the line, and there is no newline
      start = i;
    }
    if (c === '\\') {
      if (command[i + 1] === '\n' || i + 1 >= command.length) return undefined; // a continuation
      i += 2;
    } else if (c === "'") {
      const close = command.indexOf("'", i + 1);
      if (close === -1) return undefined;
      i = close + 1;
    } else if (c === '"') {
      const close = closingDoubleQuote(command, i + 1);
      if (close === undefined) return undefined;
      i = close + 1;
    } else if (c === '$' && command[i + 1] === '{') {
      // ${NAME}, ${NAME:-default}: an expansion, not a group.
      const close = closingBrace(command, i + 2);
      if (close === undefined) return undefined;
      i = close + 1;
    } else if (COMPOUND.has(c)) {
      return undefined;
    } else {
      i += 1;
    }
  }
  end(command.length);
  return words;
}

/** Index of the `"` closing a double-quoted string begun before `from`; undefined if none or it holds a substitution. */
function closingDoubleQuote(command: string, from: number): number | undefined {
  for (let i = from; i < command.length; i++) {
    const c = command[i];
    if (c === '\\') i += 1;
    else if (c === '`' || (c === '$' && command[i + 1] === '(')) return undefined;
    else if (c === '"') return i;
  }
  return undefined;
}

/** Index of the `}` closing `${` begun before `from`; undefined if none or the expansion holds quotes or substitutions. */
function closingBrace(command: string, from: number): number | undefined {
  for (let i = from; i < command.length; i++) {
    const c = command[i] as string;
    if (c === '}') return i;
    if (c === '\n' || c === '`' || c === '{' || c === "'" || c === '"' || c === '\\' || (c === '$' && command[i + 1] === '(')) return undefined;
  }
  return undefined;
}
