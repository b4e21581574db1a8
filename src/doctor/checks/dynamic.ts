// The dynamic checks: pure functions of what the doctor's run saw (RunObservations, from
// run/observe.ts). A skipped run gives no findings (the report marks those factors skip); a check
// with nothing to look at says so with a `skip` finding.
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { AppFacts, Check, Factor, Finding, RunObservations, TypeObservation } from '../types.js';

export interface DynamicInput {
  facts: AppFacts;
  run: RunObservations;
}

/** A long-running type that exits 0 this soon is a one-off task. */
export const ONE_OFF_MS = 2_000;
/** How many paths a finding names before "and N more". */
const MAX_LISTED = 5;

/** A check that says nothing about a skipped run. */
function dynamic(id: string, factor: Factor, check: (input: DynamicInput, say: Say) => Finding[]): Check<DynamicInput> {
  return {
    id,
    factor,
    run: (input) => (input.run.skipped !== undefined ? [] : check(input, sayFor(id))),
  };
}

type Say = (status: Finding['status'], message: string, evidence: string, more?: { fix?: string; file?: string }) => Finding;

function sayFor(check: string): Say {
  return (status, message, evidence, more = {}) => ({ check, status, message, evidence, ...more });
}

// ---- VII Port binding -------------------------------------------------------------------------

const bindsPort = dynamic('ports.binds-port', 'VII', ({ run }, say) => {
  const web = run.types.find((t) => t.type === 'web');
  if (web === undefined) return [say('skip', 'no web process type: nothing has to listen on $PORT', 'Procfile has no web entry')];
  const port = web.port;
  const others = web.listened.filter((p) => p !== port);
  const evidence = `$PORT=${port}; TCP ports its processes listened on: ${web.listened.length === 0 ? 'none' : web.listened.join(', ')}`;
  const fix = 'listen on the port in $PORT (process.env.PORT, os.environ["PORT"]), on 0.0.0.0';
  if (web.readyAfterMs !== undefined) {
    const findings = [say('pass', `web listens on $PORT (${port}) after ${duration(web.readyAfterMs)}`, evidence)];
    if (others.length > 0) {
      findings.push(
        say('warn', `web also listens on ${plural(others.length, 'port')} ${others.join(', ')} of its own choosing: only $PORT is routed to it`, evidence, {
          fix: 'serve everything on $PORT, or take the other port from the config',
        }),
      );
    }
    return findings;
  }
  if (port !== undefined && web.listened.includes(port)) {
    return [say('warn', `web listens on $PORT (${port}) but not on an address 127.0.0.1 reaches`, evidence, { fix: 'bind 0.0.0.0 (all interfaces), not one address' })];
  }
  if (others.length > 0) {
    return [say('fail', `web does not listen on $PORT (${port}) but on ${others.join(', ')}, a port of its own choosing`, evidence, { fix })];
  }
  if (web.exitedOnItsOwn !== undefined) {
    return [say('fail', `web ${exitText(web.exitedOnItsOwn)} before listening on $PORT (${port})`, withOutput(evidence, web), { fix })];
  }
  return [say('fail', `web did not listen on $PORT (${port}) within ${duration(2 * run.bootTimeoutMs)}`, withOutput(evidence, web), { fix })];
});

// ---- VIII Concurrency -------------------------------------------------------------------------

const daemonizes = dynamic('concurrency.daemonizes', 'VIII', ({ run }, say) => {
  const findings: Finding[] = [];
  for (const t of run.types) {
    const left = t.leftBehind ?? [];
    if (t.exitedOnItsOwn !== undefined && (left.length > 0 || t.escaped.length > 0)) {
      const kept = left.length > 0 ? left : t.escaped;
      findings.push(
        say('fail', `${t.type} daemonizes: the started process ${exitText(t.exitedOnItsOwn)} while ${processes(kept)} kept running`, `${t.type}: ${t.command}`, {
          fix: 'run the program in the foreground (no trailing &, no --daemon or -D): dozen supervises the process it starts',
        }),
      );
    } else if (t.escaped.length > 0) {
      findings.push(
        say('fail', `${t.type}: ${processes(t.escaped)} left the process group dozen started (setsid or a double fork): stop signals miss it`, `${t.type}: ${t.command}`, {
          fix: 'keep every process in the group it was started in: no setsid, no daemonizing',
        }),
      );
    }
  }
  if (findings.length > 0) return findings;
  return [say('pass', 'no process left its process group or outlived the process that started it', `${typesText(run)} watched`)];
});

const pidFile = dynamic('concurrency.pid-file', 'VIII', ({ facts, run }, say) => {
  const findings: Finding[] = [];
  const fix = 'drop the PID file (and any --pidfile option): the supervisor knows the pid';
  const seen = new Set<string>();
  for (const t of run.types) {
    for (const path of t.pidFiles) {
      seen.add(path);
      const file = shownPath(facts.root, path);
      findings.push(say('fail', `${t.type} writes a PID file: ${file}`, `${t.type}: ${t.command}`, { fix, ...fileField(facts.root, path) }));
    }
  }
  for (const rel of run.changedFiles) {
    const path = resolve(facts.root, rel);
    if (!rel.endsWith('.pid') || seen.has(path)) continue;
    findings.push(say('fail', `the app writes a PID file: ${rel}`, `${rel} was created or changed while the app ran`, { fix, file: rel }));
  }
  if (findings.length > 0) return findings;
  return [say('pass', 'no PID file written', `files opened for writing and files changed under the app folder, ${typesText(run)}`)];
});

// ---- IX Disposability -------------------------------------------------------------------------

const exitsAtStart = dynamic('disposability.exits-at-start', 'IX', ({ run }, say) => {
  const failed = run.types.filter((t) => t.exitedOnItsOwn !== undefined && t.exitedOnItsOwn.code !== 0 && t.escaped.length === 0);
  if (failed.length === 0) return [say('pass', 'no process type exited with an error after it was started', typesText(run))];
  return failed.map((t) =>
    say('fail', `${t.type} ${exitText(t.exitedOnItsOwn)} after it was started`, withOutput(`${t.type}: ${t.command}`, t), {
      fix: 'make it start with the config it is given (see its output), or declare a one-off task as release: or run it with dozen run',
    }),
  );
});

const slowStart = dynamic('disposability.slow-start', 'IX', ({ run }, say) => {
  const timed = run.types.filter((t) => t.readyAfterMs !== undefined);
  if (timed.length === 0) return [say('skip', 'no process listened on its port: no start-up to time', typesText(run))];
  return timed.map((t) => {
    const after = t.readyAfterMs ?? 0;
    if (after > run.bootTimeoutMs) {
      return say('warn', `${t.type} took ${duration(after)} to accept connections, more than the boot timeout (${duration(run.bootTimeoutMs)})`, `${t.type}: ready after ${after} ms`, {
        fix: 'start faster: listen first, load or warm up afterwards (platforms kill a web that binds late: Heroku R10)',
      });
    }
    return say('pass', `${t.type} accepted connections after ${duration(after)}`, `${t.type}: ready after ${after} ms, boot timeout ${duration(run.bootTimeoutMs)}`);
  });
});

const sigterm = dynamic('disposability.sigterm', 'IX', ({ run }, say) => {
  const stopped = run.types.filter((t) => t.stop !== undefined);
  if (stopped.length === 0) return [say('skip', 'no process was still running to be sent SIGTERM', typesText(run))];
  return stopped.map((t) => {
    const stop = t.stop ?? { graceful: true, afterMs: 0 };
    if (!stop.graceful) {
      return say('fail', `${t.type} did not stop within ${duration(run.stopTimeoutMs)} of SIGTERM: SIGKILL was needed`, `${t.type}: ${t.command}; killed after ${stop.afterMs} ms`, {
        fix: 'handle SIGTERM: stop taking work, finish or hand back what is in flight, then exit',
      });
    }
    return say('pass', `${t.type} stopped ${duration(stop.afterMs)} after SIGTERM`, `${t.type}: exited ${stop.afterMs} ms after SIGTERM`);
  });
});

const suddenDeath = dynamic('disposability.sudden-death', 'IX', ({ run }, say) => {
  const tried = run.types.filter((t) => t.recovered !== undefined);
  if (tried.length === 0) return [say('skip', 'no process was running to be killed', typesText(run))];
  return tried.map((t) => {
    const listens = t.readyAfterMs !== undefined;
    if (t.recovered === true) {
      return say('pass', `${t.type} came back after a SIGKILL${listens ? ' and accepted connections' : ''}`, `${t.type}: killed, started again`);
    }
    const what = listens ? `did not accept connections again within ${duration(2 * run.bootTimeoutMs)}` : 'exited again at once';
    return say('fail', `${t.type} ${what} when started after a SIGKILL`, withOutput(`${t.type}: ${t.command}`, t), {
      fix: 'survive a crash: no lock or PID file that blocks the next start, state in backing services',
    });
  });
});

// ---- V Build, release, run / VI Processes -----------------------------------------------------

const writesCode = dynamic('build.writes-code', 'V', ({ run }, say) => {
  if (run.changedFiles.length === 0) {
    return [say('pass', 'no file under the app folder was created, changed or deleted while the app ran', 'app folder compared before and after (state folder, .git and bytecode caches left out)')];
  }
  return [
    say('fail', `the app wrote into its own folder while it ran: ${listed(run.changedFiles)}`, `${plural(run.changedFiles.length, 'file')} created, changed or deleted under the app folder`, {
      fix: 'treat the code folder as read-only at run time: builds belong in the build, data in backing services, scratch files in /tmp',
      ...(run.changedFiles[0] === undefined ? {} : { file: run.changedFiles[0] }),
    }),
  ];
});

const releasePhase = dynamic('build.release-phase', 'V', ({ run }, say) => {
  const release = run.releasePhase;
  if (release === undefined) return [say('skip', 'no release phase', 'the Procfile has no release entry')];
  if (release.code === 0) return [say('pass', `the release phase succeeded in ${duration(release.afterMs)}`, `release exited with code 0 after ${release.afterMs} ms`)];
  if (release.code === null) {
    return [
      say('warn', `the release phase did not finish within ${duration(run.bootTimeoutMs)}`, `release stopped after ${release.afterMs} ms`, {
        fix: 'keep the release phase short (migrations, cache warm-up), or raise --boot-timeout if it is',
      }),
    ];
  }
  return [
    say('fail', `the release phase exited with code ${release.code} after ${duration(release.afterMs)}: a release would not start`, `release exited with code ${release.code}`, {
      fix: 'make the release phase succeed with the app config (dozen run release shows its output)',
    }),
  ];
});

const localState = dynamic('processes.local-state', 'VI', ({ run }, say) => {
  const created = (run.createdFiles ?? run.changedFiles).filter((f) => !isLogPath(f) && !f.endsWith('.pid'));
  if (created.length === 0) return [say('pass', 'no file created under the app folder while the app ran', 'app folder compared before and after')];
  return [
    say('warn', `the processes keep files on the local disk: ${listed(created)}`, `${plural(created.length, 'file')} created under the app folder`, {
      fix: 'keep state in a backing service (database, cache, object store): local files are lost on restart and not shared between instances',
      ...(created[0] === undefined ? {} : { file: created[0] }),
    }),
  ];
});

// ---- XI Logs ----------------------------------------------------------------------------------

const logFile = dynamic('logs.log-file', 'XI', ({ facts, run }, say) => {
  const fix = 'write the log lines to stdout (or stderr), unbuffered: dozen and the platform route them';
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const t of run.types) {
    for (const path of t.wroteFiles) {
      const shown = shownPath(facts.root, path);
      if (!isLogPath(shown) || isToolLog(path)) continue;
      seen.add(shown);
      findings.push(say('fail', `${t.type} writes a log file: ${shown}`, `${t.type} held ${shown} open for writing`, { fix, ...fileField(facts.root, path) }));
    }
  }
  for (const rel of run.changedFiles) {
    if (!isLogPath(rel) || seen.has(rel)) continue;
    findings.push(say('fail', `the app writes a log file: ${rel}`, `${rel} was created or changed while the app ran`, { fix, file: rel }));
  }
  if (findings.length > 0) return findings;
  return [say('pass', 'no log file written', `files opened for writing and files changed under the app folder, ${typesText(run)}`)];
});

const pythonBuffered = dynamic('logs.python-buffered', 'XI', ({ run }, say) => {
  const python = run.types.filter((t) => t.bufferedPython !== undefined);
  if (python.length === 0) return [say('skip', 'no Python process ran', typesText(run))];
  const buffered = python.filter((t) => t.bufferedPython === true);
  if (buffered.length === 0) return [say('pass', 'Python writes its output unbuffered', python.map((t) => `${t.type}: ${t.command}`).join('; '))];
  return buffered.map((t) =>
    say('warn', `${t.type} runs Python with stdout block-buffered: its lines arrive late and in bursts, and are lost if it is killed`, `${t.type}: ${t.command} (stdout a pipe, no -u, PYTHONUNBUFFERED not set)`, {
      fix: 'set PYTHONUNBUFFERED=1 in the config, or run python -u',
    }),
  );
});

// ---- XII Admin processes ----------------------------------------------------------------------

const oneOffType = dynamic('admin.one-off-type', 'XII', ({ run }, say) => {
  const findings: Finding[] = [];
  for (const t of run.types) {
    const exit = t.exitedOnItsOwn;
    if (exit === undefined || exit.code !== 0 || t.escaped.length > 0 || (t.leftBehind ?? []).length > 0) continue;
    const quick = exit.afterMs <= ONE_OFF_MS;
    findings.push(
      say(quick ? 'fail' : 'warn', `${t.type} ${exitText(exit)}: a one-off task declared as a long-running process type`, `${t.type}: ${t.command}`, {
        fix: `declare it as release: (run before each release) or run it when needed with dozen run ${t.type}`,
      }),
    );
  }
  if (findings.length > 0) return findings;
  return [say('pass', 'every process type kept running', typesText(run))];
});

const runSameConfig = dynamic('admin.run-same-config', 'XII', ({ facts, run }, say) => {
  const keys = Object.keys(facts.config).length;
  if (run.runSameConfig === undefined) return [say('skip', 'no process was running to compare its environment with dozen run', typesText(run))];
  if (run.runSameConfig) return [say('pass', `dozen run gets the same config as the processes`, `${plural(keys, 'config key')} compared`)];
  const differing = run.runConfigDiffering ?? [];
  const message = differing.length > 0 ? `dozen run gets other values than the processes for ${listed(differing)}` : `dozen run could not be compared: ${run.runConfigProblem ?? 'it failed'}`;
  return [
    say('fail', message, `${plural(keys, 'config key')} compared (values not shown)`, {
      fix: 'keep all config in the env files or the environment, not in the Procfile commands, so one-off processes get it too',
    }),
  ];
});

/** Every dynamic check, in factor order. */
export const DYNAMIC_CHECKS: Check<DynamicInput>[] = [
  writesCode,
  releasePhase,
  localState,
  bindsPort,
  daemonizes,
  pidFile,
  exitsAtStart,
  slowStart,
  sigterm,
  suddenDeath,
  logFile,
  pythonBuffered,
  oneOffType,
  runSameConfig,
];

// ---- wording ----------------------------------------------------------------------------------

/** `340 ms`, `1.5 s`, `12 s`. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = ms / 1_000;
  return `${s < 10 ? Math.round(s * 10) / 10 : Math.round(s)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `a, b, c and 2 more`. */
function listed(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

function processes(list: Array<{ pid: number; command: string }>): string {
  return listed(list.map((p) => `pid ${p.pid} (${p.command})`));
}

function exitText(exit: TypeObservation['exitedOnItsOwn']): string {
  if (exit === undefined) return 'exited';
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `${how} after ${duration(exit.afterMs)}`;
}

function typesText(run: RunObservations): string {
  return run.types.length === 0 ? 'no process type ran' : `types: ${run.types.map((t) => t.type).join(', ')}`;
}

/** Evidence with the last lines the process printed, if any. */
function withOutput(evidence: string, t: TypeObservation): string {
  const lines = t.lastOutput ?? [];
  return lines.length === 0 ? evidence : `${evidence}; last output: ${lines.join(' | ')}`;
}

/** Relative to the app root when under it, else absolute. */
function shownPath(root: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function fileField(root: string, path: string): { file?: string } {
  const shown = shownPath(root, path);
  return isAbsolute(shown) ? {} : { file: shown };
}

/** A package manager's or tool's own log, not the app's (`npm start` keeps ~/.npm/_logs/*.log open). */
export function isToolLog(path: string): boolean {
  return path.includes('/.npm/_logs/') || path.includes('/.cache/');
}

/** `*.log`, anything under a `log/` or `logs/` folder, or under /var/log. */
export function isLogPath(path: string): boolean {
  if (basename(path).endsWith('.log')) return true;
  if (path.startsWith('/var/log/')) return true;
  return path.split('/').slice(0, -1).some((dir) => dir === 'log' || dir === 'logs');
}
