// Factor XI, Logs (static part): an event stream on stdout, unbuffered. Python block-buffers
// stdout into a pipe, so a Python process's lines reach the log late (or never, if it is killed),
// unless it runs with -u or PYTHONUNBUFFERED. The run confirms it by watching the process.
import type { AppFacts, Check } from '../types.js';
import { passed } from './findings.js';
import { procfileCheck } from './procfile-check.js';
import { programName, type SimpleCommand } from './shell-words.js';

const PYTHON_TOOLS = /^(gunicorn|uvicorn|hypercorn|daphne|celery|flask|django-admin|manage\.py|waitress-serve|rq|dramatiq|huey_consumer|scrapy)$/;
const RUNNERS = /^(poetry|pipenv|uv|pdm|hatch)$/;

/** How a simple command runs Python: `buffered`, `unbuffered` (-u), or undefined when it is not Python. */
export function pythonBuffering(c: SimpleCommand): 'buffered' | 'unbuffered' | undefined {
  let words = c.words;
  // `poetry run python app.py`: the runner's command.
  if (RUNNERS.test(programName(words)) && words[1] === 'run') words = words.slice(2);
  const program = programName(words);
  if (c.assignments.some((a) => /^PYTHONUNBUFFERED=./.test(a))) return /^python/.test(program) || PYTHON_TOOLS.test(program) ? 'unbuffered' : undefined;
  if (/^python[\d.]*$/.test(program)) {
    for (const word of words.slice(1)) {
      if (!word.startsWith('-') || word === '-m' || word === '-c') break;
      if (/^-[A-Za-z]*u[A-Za-z]*$/.test(word)) return 'unbuffered';
    }
    return 'buffered';
  }
  return PYTHON_TOOLS.test(program) ? 'buffered' : undefined;
}

export const pythonBufferedStatic: Check<AppFacts> = {
  id: 'logs.python-buffered-static',
  factor: 'XI',
  run(facts) {
    // PYTHONUNBUFFERED in the config unbuffers every type at once.
    if ((facts.config.PYTHONUNBUFFERED ?? '') !== '') return facts.procfile ? [passed(this.id, 'the Python processes write their output unbuffered', 'PYTHONUNBUFFERED is set in the config')] : [];
    return byEntry.run(facts);
  },
};

const byEntry = procfileCheck({
  id: 'logs.python-buffered-static',
  factor: 'XI',
  pass: 'no Python process type with a block-buffered stdout',
  withRelease: false,
  problems: (entry) =>
    entry.commands.some((c) => pythonBuffering(c) === 'buffered')
      ? [{ status: 'warn', message: `"${entry.name}" runs Python with a block-buffered stdout: its lines arrive late`, fix: 'set PYTHONUNBUFFERED=1 in the config (or run python -u)' }]
      : [],
});
