// A Procfile command split into the simple commands it runs (`a && b; c | d`), each as words with
// the leading `VAR=value` assignments and wrappers (`exec`, `env`, `time`...) taken off. Good enough
// to recognize tools by name; not a shell parser.

export interface SimpleCommand {
  /** `VAR=value` before the program. */
  assignments: string[];
  words: string[];
}

const WRAPPERS = new Set(['exec', 'env', 'time', 'nice', 'nohup', 'sudo', 'command', 'stdbuf', 'npx', 'bunx', 'pnpx']);

export function simpleCommands(command: string): SimpleCommand[] {
  return command
    .split(/&&|\|\||[;|&\n]|\$\(|`/)
    .map((part) => part.replace(/[()]/g, ' ').trim())
    .filter((part) => part !== '')
    .map((part) => {
      const words = part.split(/\s+/).map(unquote);
      const assignments: string[] = [];
      while (words.length > 0) {
        const first = words[0] as string;
        if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
          assignments.push(first);
          words.shift();
        } else if (WRAPPERS.has(first)) {
          words.shift();
          // The wrapper's own options: `stdbuf -oL`, `env -u NAME` (a value it takes is not recognized).
          while (words[0]?.startsWith('-')) words.shift();
        } else break;
      }
      return { assignments, words };
    })
    .filter((c) => c.words.length > 0 || c.assignments.length > 0);
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}

/** The program's name without its folder: `./node_modules/.bin/nodemon` -> `nodemon`. */
export function programName(words: readonly string[]): string {
  const first = words[0] ?? '';
  return first.slice(first.lastIndexOf('/') + 1);
}

/** A Procfile entry with the simple commands of its command line. */
export interface ProcfileCommand {
  name: string;
  command: string;
  line: number;
  commands: SimpleCommand[];
}

/** The Procfile's entries (release included), each split into its simple commands. */
export function procfileCommands(procfile: { entries: ReadonlyArray<{ name: string; command: string; line: number }> } | undefined): ProcfileCommand[] {
  return (procfile?.entries ?? []).map((e) => ({ ...e, commands: simpleCommands(e.command) }));
}

/** `python manage.py migrate` -> `manage.py migrate`: the words after an interpreter, or the words. */
export function scriptWords(words: readonly string[]): string[] {
  const program = programName(words);
  if (/^(python[\d.]*|node|ruby|php|bun|deno)$/.test(program)) {
    const rest = words.slice(1);
    // `python -u -m flask run`: options before the script, keeping `-m module` as the program.
    while (rest[0]?.startsWith('-') && rest[0] !== '-m' && rest[0] !== '-c') rest.shift();
    if (rest[0] === '-m') rest.shift();
    return rest.map((w, i) => (i === 0 ? w.slice(w.lastIndexOf('/') + 1) : w));
  }
  return [program, ...words.slice(1)];
}
