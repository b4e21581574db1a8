// The compose export read back by Debian's docker-compose: `config -q` accepts it, and the
// environment compose resolves (env_file) plus the shell-syntax secret give every service
// exactly the values dozen's own .env parser gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderCompose } from '../../src/export/compose.js';
import { execCommand } from '../../src/platform/exec-command.js';
import { writeExport } from '../../src/export/write-files.js';
import { hasTool, hostileConfig, hostileFixture, missingToolReason, tempDir } from './fixtures.js';

const skip = missingToolReason('docker-compose', hasTool('docker-compose'));

interface ComposeService {
  command: string[];
  environment?: Record<string, string>;
  deploy?: { replicas: number };
}

/** What the shell-syntax secret sets, as `sh` itself reads it. */
function shellFileValues(path: string): Record<string, string> {
  const run = spawnSync('/bin/sh', ['-c', '. "$1" && exec env -0', 'sh', path], { env: {}, encoding: 'utf8', timeout: 10_000 });
  assert.equal(run.status, 0, run.stderr);
  const out: Record<string, string> = {};
  for (const entry of run.stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** `docker-compose config` prints `$` escaped as `$$`. */
const unescape = (s: string): string => s.replace(/\$\$/g, '$');

test('compose: docker-compose accepts the file and resolves exactly the config', { skip, timeout: 120_000 }, () => {
  const dir = tempDir('compose');
  try {
    const { instances, ctx } = hostileFixture({ outDir: dir });
    const files = renderCompose(instances, ctx);
    writeExport(dir, files, { force: false });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };

    const quiet = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config', '-q'], { cwd: dir, env, encoding: 'utf8', timeout: 100_000 });
    assert.equal(quiet.status, 0, `docker-compose config -q failed:\n${quiet.stderr}${quiet.stdout}`);

    const full = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config'], { cwd: dir, env, encoding: 'utf8', timeout: 100_000 });
    assert.equal(full.status, 0, full.stderr);
    const resolved = parse(full.stdout) as { services: Record<string, ComposeService> };
    const fromShell = shellFileValues(join(dir, `${ctx.app}.env.sh`));
    const config = hostileConfig();

    const specs = [...instances, ...(ctx.releasePhase ? [ctx.releasePhase] : [])];
    for (const spec of specs) {
      const name = spec.type === 'release' ? 'release' : (ctx.typeNames.get(spec.type) ?? '');
      const service = resolved.services[name];
      assert.ok(service, `no service ${name}`);
      const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, unescape(String(v))]));
      for (const [key, value] of Object.entries(config)) {
        const sources = [key in environment, key in fromShell].filter(Boolean).length;
        assert.equal(sources, 1, `${name}: ${key} must come from exactly one of env_file and the secret`);
        assert.equal(environment[key] ?? fromShell[key], value, `${name}: ${key}`);
      }
      assert.equal(environment.PS, spec.type);
      if (spec.port !== undefined) assert.equal(environment.PORT, String(instances.find((s) => s.type === spec.type && s.index === 1)?.port));
      const command = service.command.map(unescape);
      assert.equal(command[command.length - 1], execCommand(spec.command), `${name}: command`);
      if (spec.type !== 'release') assert.equal(service.deploy?.replicas, instances.filter((s) => s.type === spec.type).length);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compose: the shell-syntax secret never undoes a service\'s own PORT/PS/DYNO', { timeout: 30_000 }, () => {
  const { instances, ctx } = hostileFixture({ config: { PS: "it's", OTHER: "x'y" } });
  const file = renderCompose(instances, ctx).find((f) => f.path.endsWith('.env.sh'));
  assert.ok(file);
  const run = (env: Record<string, string>): string =>
    spawnSync('/bin/sh', ['-c', `${file.content}\nprintf '%s|%s' "$PS" "$OTHER"`], { env, encoding: 'utf8', timeout: 10_000 }).stdout;
  assert.equal(run({ PS: 'web' }), "web|x'y");
  assert.equal(run({}), "it's|x'y");
});
