import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { execCommand, isSimpleCommand } from '../../src/platform/exec-command.js';

// [Procfile command, what `sh -c` gets]
const TABLE: Array<[string, string]> = [
  // one simple command: exec'd
  ['node web.js', 'exec node web.js'],
  ['bundle exec puma -C config/puma.rb', 'exec bundle exec puma -C config/puma.rb'],
  ['node web.js --port $PORT', 'exec node web.js --port $PORT'],
  ['node web.js --port ${PORT}', 'exec node web.js --port ${PORT}'],
  ['node web.js --port ${PORT:-5000}', 'exec node web.js --port ${PORT:-5000}'],
  ['python -c "print(1); print(2)"', 'exec python -c "print(1); print(2)"'],
  ["node -e 'a(); b() | c && d'", "exec node -e 'a(); b() | c && d'"],
  ['gunicorn app:app --bind 0.0.0.0:$PORT', 'exec gunicorn app:app --bind 0.0.0.0:$PORT'],
  ['ls *.js', 'exec ls *.js'],
  ['echo a\\;b', 'exec echo a\\;b'],
  ['node web.js # the web server', 'exec node web.js # the web server'],
  ['  node web.js', '  exec node web.js'],
  ['"./my server" --flag', 'exec "./my server" --flag'],
  ['echo "it\'s ${HOME}"', 'exec echo "it\'s ${HOME}"'],
  // leading assignments: exec after them (they still reach the program)
  ['NODE_ENV=production node web.js', 'NODE_ENV=production exec node web.js'],
  ['A=1 B="two words" node web.js', 'A=1 B="two words" exec node web.js'],
  ['"A"=1 node', 'exec "A"=1 node'], // a quoted name is no assignment: it is the command
  // compound, or not for exec: as written
  ['node a.js; node b.js', 'node a.js; node b.js'],
  ['node a.js && node b.js', 'node a.js && node b.js'],
  ['node a.js || true', 'node a.js || true'],
  ['node a.js | tee log', 'node a.js | tee log'],
  ['node a.js &', 'node a.js &'],
  ['sleep 1000 & wait', 'sleep 1000 & wait'],
  ['node a.js > out.log', 'node a.js > out.log'],
  ['node a.js 2>&1', 'node a.js 2>&1'],
  ['node < in', 'node < in'],
  ['(cd app && node web.js)', '(cd app && node web.js)'],
  ['{ node a.js; }', '{ node a.js; }'],
  ['echo {a,b}', 'echo {a,b}'],
  ['node $(cat args)', 'node $(cat args)'],
  ['node "$(cat args)"', 'node "$(cat args)"'],
  ['node `cat args`', 'node `cat args`'],
  ['echo $((1 + 2))', 'echo $((1 + 2))'],
  ['node a.js\nnode b.js', 'node a.js\nnode b.js'],
  ['node a.js \\\n  --flag', 'node a.js \\\n  --flag'],
  ['if true; then node a.js; fi', 'if true; then node a.js; fi'],
  ['! node a.js', '! node a.js'],
  ['while true', 'while true'],
  ['time node a.js', 'time node a.js'],
  ['exec node web.js', 'exec node web.js'],
  ['cd app', 'cd app'],
  ['eval "$CMD"', 'eval "$CMD"'],
  ['. ./env.sh', '. ./env.sh'],
  ['FOO=1', 'FOO=1'],
  ['FOO=1 BAR=2', 'FOO=1 BAR=2'],
  ['FOO=1 cd app', 'FOO=1 cd app'],
  ["echo 'unclosed", "echo 'unclosed"],
  ['echo "unclosed', 'echo "unclosed'],
  ['echo ${unclosed', 'echo ${unclosed'],
  ['', ''],
  ['   ', '   '],
];

test('execCommand: exec for one simple command, the line as written otherwise', () => {
  for (const [command, expected] of TABLE) {
    assert.equal(execCommand(command), expected, JSON.stringify(command));
    assert.equal(isSimpleCommand(command), expected !== command, JSON.stringify(command));
  }
});

test('with exec the shell replaces itself: the program has the pid dozen spawned, and the assignments', { timeout: 10_000 }, () => {
  const env = { PATH: process.env.PATH, X: 'x' };
  const line = execCommand('Y=y sh -c "echo \\$\\$ \\$X \\$Y"');
  assert.equal(line, 'Y=y exec sh -c "echo \\$\\$ \\$X \\$Y"');
  const r = spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8', env, timeout: 10_000 });
  assert.equal(r.stdout, `${r.pid} x y\n`);
});
