// The shape of src/'s import graph: no cycles among files, and layers that only point down.
// Every relative specifier counts: `import` and `export ... from` (type-only ones too, since they
// tie the design together even where the compiler erases them) and `import('...')`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The parts of src/ (a folder, or a file directly in src/), bottom to top. A file may import from
 * its own part or from a lower rank, never from a higher one nor from another part of its rank.
 */
const RANKS: Record<string, number> = {
  'errors.ts': 0,
  procfile: 0,
  env: 0,
  formation: 0,
  platform: 1,
  app: 2,
  supervisor: 3,
  logs: 4,
  export: 4,
  // The control API serves the supervisor and the log store to every client.
  control: 5,
  // Builds, releases and the config store: on top of the app model and the control API.
  releases: 6,
  // The router: follows the supervisor's events, serves its numbers through the control API.
  router: 6,
  // The twelve-factor doctor: reads the app, runs it under a supervisor of its own.
  doctor: 6,
  cli: 7,
};

/**
 * Imports between two parts of one rank that belong there, `from -> to`: every rank-0 part may
 * raise the shared errors, and a formation counts the Procfile's processes.
 */
const SAME_RANK_ALLOWED = ['procfile -> errors.ts', 'env -> errors.ts', 'formation -> errors.ts', 'formation -> procfile'];

/** What some parts must never import, whatever the ranks above say. */
const NEVER: Record<string, string[]> = {
  app: ['supervisor', 'control', 'logs', 'export', 'cli'],
  supervisor: ['cli', 'logs'],
  logs: ['cli'],
};

/**
 * Imports that break the layers today, each `from -> to`. Every entry must still exist (the test
 * fails on one that does not): delete it when its import goes.
 */
const knownViolations: string[] = [];

/** Cycles there are today, each as the test prints it; as for knownViolations, each must exist. */
const knownCycles: string[] = [];

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import of every file under src/, as repo-relative paths of .ts files. */
function importGraph(): { files: string[]; edges: Edge[]; unresolved: string[] } {
  const files = sourceFiles('src').sort();
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const from of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(`${ROOT}${from}`, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = posix.join(posix.dirname(from), fileName).replace(/\.js$/, '.ts');
      if (!to.startsWith('src/') || !existsSync(`${ROOT}${to}`)) unresolved.push(`${from} -> ${fileName}`);
      else if (!edges.some((edge) => edge.from === from && edge.to === to)) edges.push({ from, to });
    }
  }
  return { files, edges, unresolved };
}

/** `logs` for src/logs/store/x.ts, `errors.ts` for src/errors.ts. */
function part(file: string): string {
  return file.split('/')[1]!;
}

const arrow = (edge: Edge) => `${edge.from} -> ${edge.to}`;

/** One cycle (as a path that ends where it starts) through each strongly connected group. */
function cycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const { from, to } of edges) next.get(from)!.push(to);
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      if (group.length > 1 || next.get(file)!.includes(file)) groups.push(group.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  // The shortest way from a group's first file back to itself, inside the group.
  return groups.map((group) => {
    const start = group[0]!;
    const members = new Set(group);
    const cameFrom = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const file = queue[i]!;
      for (const to of next.get(file)!) {
        if (!members.has(to)) continue;
        if (to === start) {
          const path = [file];
          while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
          return [...path, start];
        }
        if (!cameFrom.has(to) && to !== start) {
          cameFrom.set(to, file);
          queue.push(to);
        }
      }
    }
    return group;
  });
}

/** `found` is exactly `known`: nothing new, and nothing listed that has gone. */
function assertOnlyKnown(found: string[], known: string[], what: string, list: string): void {
  assert.deepEqual(found.filter((item) => !known.includes(item)), [], `new ${what}`);
  assert.deepEqual(known.filter((item) => !found.includes(item)), [], `${list} lists what no longer exists: delete it`);
}

const graph = importGraph();

test('every relative import names a source file under src/', () => {
  assert.deepEqual(graph.unresolved, []);
});

test('every part of src/ has a rank', () => {
  const unranked = [...new Set(graph.files.map(part))].filter((name) => RANKS[name] === undefined);
  assert.deepEqual(unranked, [], 'place each new folder (or file in src/) in RANKS');
});

test('no import cycles among the files of src/', () => {
  const found = cycles(graph.files, graph.edges).map((path) => path.join(' -> '));
  assertOnlyKnown(found, knownCycles, 'import cycles', 'knownCycles');
});

test('layers point down: a file imports from its own part or a lower rank', () => {
  const violations = graph.edges
    .filter(({ from, to }) => {
      const [a, b] = [part(from), part(to)];
      if (a === b || RANKS[b]! < RANKS[a]!) return false;
      return !(RANKS[b] === RANKS[a] && SAME_RANK_ALLOWED.includes(`${a} -> ${b}`));
    })
    .map(arrow);
  assertOnlyKnown(violations, knownViolations, 'imports against the layers', 'knownViolations');
});

for (const [from, never] of Object.entries(NEVER)) {
  test(`src/${from}/ imports nothing from ${never.join(', ')}`, () => {
    const found = graph.edges
      .filter((edge) => part(edge.from) === from && never.includes(part(edge.to)))
      .map(arrow)
      .filter((v) => !knownViolations.includes(v));
    assert.deepEqual(found, []);
  });
}
