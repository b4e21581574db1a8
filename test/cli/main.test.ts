// The program as a whole: help, version, usage errors, and the flag/variable rule for every command.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { envNameFor } from '../../src/cli/options.js';
import { version } from '../../src/cli/version.js';
import { cliCommandLine, killAllStarted, repoRoot, runCli, startProgram } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

/** `config set` for `dozen config set`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

describe('dozen (the program)', () => {
  it('--help lists the commands, on stdout, exit 0', T, async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['check', 'env', 'run']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
  });

  it('--version prints the package version', T, async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  });

  it('every command has help that shows its defaults and variables', T, async () => {
    for (const name of ['check', 'env', 'run']) {
      const r = await runCli([name, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: dozen ${name} `));
      const flat = r.stdout.replace(/\s+/g, ' '); // help wraps at the terminal width
      assert.match(flat, /-d, --root <dir> app root, [^()]*\(default: the Procfile's folder, env: DOZEN_ROOT\)/);
      assert.match(flat, /-e, --env <files> [^()]*\(default: \.env if present, env: DOZEN_ENV\)/);
      assert.match(flat, /--override [^()]*\(default: false, env: DOZEN_OVERRIDE\)/);
      assert.match(flat, /--no-expand [^()]*\(env: DOZEN_NO_EXPAND\)/);
    }
    const help = await runCli(['help', 'run']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: dozen run \[options\] <command> \[args\.\.\.\]/);
  });

  it('every flag of every command can be set as DOZEN_<FLAG>', async () => {
    const missing: string[] = [];
    for (const cmd of allCommands(await buildProgram())) {
      for (const option of cmd.options) {
        if (option.long === undefined || ['--help', '--version'].includes(option.long)) continue;
        // dozen dashboard's --port and --host would clash with the app's DOZEN_PORT: they are DOZEN_DASHBOARD_*.
        const expected = cmd.name() === 'dashboard' && ['--port', '--host'].includes(option.long) ? envNameFor(option.long).replace('DOZEN_', 'DOZEN_DASHBOARD_') : envNameFor(option.long);
        if (option.envVar !== expected) missing.push(`dozen ${cmd.name()} ${option.long} (has ${option.envVar ?? 'none'})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('an unknown command is a one-line usage error, exit 2', T, async () => {
    const r = await runCli(['chek']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'dozen: unknown command \'chek\' (Did you mean check?) (see "dozen --help")\n');
  });

  it('an unknown option is a one-line usage error naming the command\'s help', T, async () => {
    const r = await runCli(['check', '--jsno']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^dozen: unknown option '--jsno' \(Did you mean --json\?\) \(see "dozen check --help"\)\n$/);
  });

  it('no command at all: the help on stderr, exit 2', T, async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: dozen <command> \[options\]/);
  });

  it('a closed stdout (`dozen ... | head -1`) ends quietly', T, async () => {
    const line = `${cliCommandLine(['check', '-d', 'examples/hello'])} | head -1`;
    const r = await startProgram('sh', ['-c', line]).exited();
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'process types (examples/hello/Procfile):\n');
    assert.equal(r.stderr, '');
  });
});

describe('docs/cli.md', () => {
  it('has a section for every command naming each of its flags with its variable', async () => {
    const doc = await readFile(join(repoRoot, 'docs/cli.md'), 'utf8');
    const sections = doc.split(/^(?=## )/m);
    // The app options and -m/-p are described once, for every command that takes them.
    const shared = sections.find((s) => s.startsWith('## Options shared')) ?? '';
    const missing: string[] = [];
    // Subcommands too: `dozen config set`.
    const commands = allCommands(await buildProgram()).filter((c) => c.parent !== null && c.name() !== 'help');
    assert.ok(commands.length >= 11, commands.map((c) => c.name()).join(' '));
    for (const cmd of commands) {
      // Its section holds its usage line: `dozen start [app options] ...`.
      const name = commandPath(cmd);
      const usage = new RegExp(`^dozen ${name}( |$)`, 'm');
      const section = sections.find((s) => usage.test(s));
      if (section === undefined) {
        missing.push(`dozen ${name}: no section`);
        continue;
      }
      const text = section + shared;
      for (const option of cmd.options) {
        if (option.long === undefined || option.long === '--help') continue;
        if (!text.includes(`\`${option.long}`) && !text.includes(` ${option.long}`)) missing.push(`${name} ${option.long}`);
        if (option.envVar !== undefined && !text.includes(option.envVar)) missing.push(`${name} ${option.envVar}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("README.md's Commands table lists every command", async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('\n## ', readme.indexOf('## Commands') + 1));
    const rows = table.split('\n').filter((line) => line.startsWith('| `dozen '));
    // A row may name several (`dozen config` and its `dozen config:set` spelling).
    const listed = new Set(rows.flatMap((row) => [...row.matchAll(/`dozen ([a-z:-]+)/g)].map((m) => m[1])));
    const commands = (await buildProgram()).commands.map((c) => c.name()).filter((n) => n !== 'help');
    assert.deepEqual(commands.filter((n) => !listed.has(n)), []);
  });
});
