// Flags and their DOZEN_<FLAG> variables, parsed in-process by commander.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { DozenError } from '../../src/errors.js';
import { addAppOptions, addFormationOptions, envNameFor, parseBooleanEnv, readEnvValuesStrictly, type AppCliOptions } from '../../src/cli/options.js';

/** Parses `args` for a command with the app and formation options, with `env` as the environment. */
function parse(args: string[], env: Record<string, string>): AppCliOptions {
  const cmd = addFormationOptions(addAppOptions(new Command('t').exitOverride()));
  readEnvValuesStrictly(cmd);
  const saved = { ...process.env };
  try {
    for (const key of Object.keys(process.env)) if (key.startsWith('DOZEN_')) delete process.env[key];
    Object.assign(process.env, env);
    cmd.parse(args, { from: 'user' });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return cmd.opts<AppCliOptions>();
}

describe('options', () => {
  it('envNameFor: the long flag spelt as a variable', () => {
    assert.equal(envNameFor('--port'), 'DOZEN_PORT');
    assert.equal(envNameFor('--env-lenient'), 'DOZEN_ENV_LENIENT');
    assert.equal(envNameFor('--no-expand'), 'DOZEN_NO_EXPAND');
  });

  it('parseBooleanEnv: the usual words, anything else is a usage error', () => {
    for (const w of ['1', 'true', 'YES', ' on ']) assert.equal(parseBooleanEnv('DOZEN_X', w), true, w);
    for (const w of ['0', 'false', 'No', 'off']) assert.equal(parseBooleanEnv('DOZEN_X', w), false, w);
    assert.throws(
      () => parseBooleanEnv('DOZEN_X', 'sure'),
      (e: unknown) => e instanceof DozenError && e.code === 'usage' && /DOZEN_X: expected one of .*got "sure"/.test(e.message),
    );
  });

  it('defaults when nothing is given', () => {
    const o = parse([], {});
    assert.equal(o.procfile, undefined);
    assert.equal(o.root, undefined);
    assert.equal(o.env, undefined);
    assert.equal(o.override, false);
    assert.equal(o.expand, true);
    assert.equal(o.envLenient, false);
    assert.equal(o.strict, false);
    assert.equal(o.formation, undefined);
    assert.equal(o.port, undefined);
  });

  it('boolean variables are read by value, not by existence', () => {
    assert.equal(parse([], { DOZEN_OVERRIDE: '1' }).override, true);
    assert.equal(parse([], { DOZEN_OVERRIDE: '0' }).override, false);
    assert.equal(parse([], { DOZEN_OVERRIDE: '' }).override, false);
    assert.equal(parse([], { DOZEN_ENV_LENIENT: 'true' }).envLenient, true);
    assert.equal(parse([], { DOZEN_NO_EXPAND: 'yes' }).expand, false);
    assert.equal(parse([], { DOZEN_NO_EXPAND: 'no' }).expand, true);
    assert.throws(() => parse([], { DOZEN_STRICT: 'strict' }), /DOZEN_STRICT/);
  });

  it('value variables are used as given; empty counts as unset', () => {
    const o = parse([], { DOZEN_PORT: '3000', DOZEN_FORMATION: 'web=2', DOZEN_ENV: '.env,.env.local', DOZEN_ROOT: 'app', DOZEN_PROCFILE: 'Procfile.dev' });
    assert.deepEqual(
      { port: o.port, formation: o.formation, env: o.env, root: o.root, procfile: o.procfile },
      { port: '3000', formation: 'web=2', env: '.env,.env.local', root: 'app', procfile: 'Procfile.dev' },
    );
    assert.equal(parse([], { DOZEN_PORT: '' }).port, undefined);
  });

  it('the command line wins over the variables', () => {
    assert.equal(parse(['-p', '1'], { DOZEN_PORT: '2' }).port, '1');
    assert.equal(parse(['--override'], { DOZEN_OVERRIDE: '0' }).override, true);
    assert.equal(parse(['--no-expand'], { DOZEN_NO_EXPAND: '0' }).expand, false);
    assert.equal(parse(['-e', ''], { DOZEN_ENV: '.env.x' }).env, '');
  });
});

it('durations: seconds, or with a unit', async () => {
  const { parseSeconds } = await import('../../src/cli/options.js');
  assert.deepEqual(['5', '2.5', '5s', '500ms', '2m', '0'].map((t) => parseSeconds('-t', t)), [5000, 2500, 5000, 500, 120_000, 0]);
  for (const bad of ['', 'soon', '-1', '5h', '1e3']) assert.throws(() => parseSeconds('-t', bad), /-t: expected a number of seconds, got/);
});
