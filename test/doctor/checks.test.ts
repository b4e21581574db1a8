// The static checks as pure functions over small in-memory apps: what each flags, at which
// place and status, and what it leaves alone (the false alarms it avoids).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneOffAsProcessType } from '../../src/doctor/checks/admin-processes.js';
import { addressInSource } from '../../src/doctor/checks/backing-services.js';
import { buildStepInRun } from '../../src/doctor/checks/build-release-run.js';
import { definitionsTracked, gitRepository } from '../../src/doctor/checks/codebase.js';
import { processTypesDeclared } from '../../src/doctor/checks/concurrency.js';
import { envFileTracked, secretInSource } from '../../src/doctor/checks/config.js';
import { lockfilePresent, manifestPresent, undeclaredImports } from '../../src/doctor/checks/dependencies.js';
import { devServerAsWeb, devSwitchInConfig } from '../../src/doctor/checks/dev-prod-parity.js';
import { pythonBufferedStatic } from '../../src/doctor/checks/logs.js';
import { sqliteInConfig } from '../../src/doctor/checks/processes.js';
import type { AppFacts, Check, Finding } from '../../src/doctor/types.js';
import { appFacts, type FactsSpec } from './app-facts.js';

/** The check's findings other than passes, as `status file:line` (or `status -`). */
function problems(check: Check<AppFacts>, spec: FactsSpec): string[] {
  return check.run(appFacts(spec)).filter((f) => f.status !== 'pass').map(place);
}

function place(f: Finding): string {
  return `${f.status} ${f.file === undefined ? '-' : `${f.file}${f.line === undefined ? '' : `:${f.line}`}`}`;
}

function only(check: Check<AppFacts>, spec: FactsSpec): Finding {
  const found = check.run(appFacts(spec)).filter((f) => f.status !== 'pass');
  assert.equal(found.length, 1, JSON.stringify(found));
  return found[0] as Finding;
}

const PKG = (deps: Record<string, string> = {}, dev: Record<string, string> = {}) => JSON.stringify({ name: 'app', dependencies: deps, devDependencies: dev });

describe('I codebase', () => {
  it('fails outside a repository and passes inside one', () => {
    assert.deepEqual(problems(gitRepository, {}), ['fail -']);
    assert.deepEqual(problems(gitRepository, { tracked: [] }), []);
  });
  it('names the Procfile and manifests git does not track', () => {
    const spec = { procfile: 'web: node a.js', files: { 'package.json': '{}', 'package-lock.json': '{}' }, tracked: ['package.json'] };
    assert.deepEqual(problems(definitionsTracked, spec), ['fail Procfile', 'fail package-lock.json']);
    assert.deepEqual(problems(definitionsTracked, { ...spec, tracked: ['Procfile', 'package.json', 'package-lock.json'] }), []);
  });
});

describe('II dependencies', () => {
  it('wants a manifest for the language the Procfile runs, or the source is in', () => {
    assert.deepEqual(problems(manifestPresent, { procfile: 'web: gunicorn app:app' }), ['fail -']);
    assert.deepEqual(problems(manifestPresent, { files: { 'index.js': '' } }), ['fail -']);
    assert.deepEqual(problems(manifestPresent, { procfile: 'web: ./serve.sh', files: { 'serve.sh': '' } }), []);
    // A Python app's browser scripts do not make it a Node.js app.
    assert.deepEqual(problems(manifestPresent, { procfile: 'web: gunicorn a:b', files: { 'requirements.txt': 'gunicorn==21.2.0', 'static/app.js': '' } }), []);
  });
  it('warns about loose versions without a lockfile', () => {
    assert.deepEqual(problems(lockfilePresent, { files: { 'package.json': PKG({ express: '^4.18.2' }) } }), ['warn package.json']);
    assert.deepEqual(problems(lockfilePresent, { files: { 'package.json': PKG({ express: '4.18.2' }) } }), []);
    assert.deepEqual(problems(lockfilePresent, { files: { 'package.json': PKG({ express: '^4' }), 'yarn.lock': '' } }), []);
    assert.deepEqual(problems(lockfilePresent, { files: { 'requirements.txt': 'Django==4.2.11\nredis>=5\n' } }), ['warn requirements.txt']);
    assert.match(only(lockfilePresent, { files: { 'requirements.txt': 'Django==4.2.11\nredis>=5\n' } }).evidence, /^redis$/);
    assert.deepEqual(problems(lockfilePresent, { files: { 'requirements.txt': 'Django==4.2.11 --hash=sha256:abc\n-r base.txt\n' } }), []);
    assert.deepEqual(problems(lockfilePresent, { files: { 'pyproject.toml': '[project]\ndependencies = [\n  "flask>=3",\n]\n', 'poetry.lock': '' } }), []);
  });
  it('fails a Node.js package imported but not declared, at its line', () => {
    const files = {
      'package.json': PKG({ express: '4.18.2' }, { '@types/estree': '1.0.0' }),
      'src/server.ts': [
        "import express from 'express';",
        "import { readFile } from 'node:fs/promises';",
        "import path from 'path';",
        "import type { Node } from 'estree';",
        "import { helper } from './helper.js';",
        "import { thing } from 'lib/thing';",
        "// const old = require('old-package');",
        "const chalk = require('chalk');",
        "const { x } = await import('@scope/pkg/sub');",
        "const message = 'deps.undeclared-import', 'every package';",
      ].join('\n'),
      'src/lib/thing.ts': '',
      'src/server.test.ts': "import 'test-only-package';",
    };
    assert.deepEqual(problems(undeclaredImports, { files }), ['fail src/server.ts:8', 'fail src/server.ts:9']);
  });
  it('warns about a Python import no requirement provides, minus the standard library, local modules and optional imports', () => {
    const files = {
      'requirements.txt': 'PyYAML==6.0.1\npsycopg2-binary==2.9.9\ndjango-environ==0.11.2\n-e git+https://example.com/x.git#egg=internal_lib\n',
      'app/main.py': [
        'import os, sys',
        'import yaml',
        'import psycopg2.extras',
        'import environ',
        'from internal_lib import x',
        'from . import views',
        'from app.models import Thing',
        'import settings',
        'try:',
        '    import ujson as json',
        'except ImportError:',
        '    import json',
        '"""',
        'import not_code',
        '"""',
        'import requests',
      ].join('\n'),
      'settings.py': '',
    };
    assert.deepEqual(problems(undeclaredImports, { files }), ['warn app/main.py:16']);
  });
  it('says nothing about imports when there is no manifest to hold them', () => {
    assert.deepEqual(undeclaredImports.run(appFacts({ files: { 'a.py': 'import requests' } })), []);
  });
});

describe('III config', () => {
  it('warns about a tracked env file, and fails one that holds secrets (masked)', () => {
    assert.deepEqual(problems(envFileTracked, { env: { GREETING: 'hi' }, tracked: ['.env'] }), ['warn .env']);
    assert.deepEqual(problems(envFileTracked, { env: { GREETING: 'hi' }, tracked: [] }), []);
    const f = only(envFileTracked, { env: { GREETING: 'hi', DB_PASSWORD: 'correct-horse-battery' }, tracked: ['.env'] });
    assert.equal(place(f), 'fail .env:2');
    assert.equal(f.evidence, 'DB_PASSWORD=**** (21 chars)');
    // A template is not config.
    assert.deepEqual(problems(envFileTracked, { files: { '.env.example': 'SECRET_KEY=change-me-please' }, tracked: ['.env.example'] }), []);
    // A test's env files are fixtures, not the app's config.
    assert.deepEqual(problems(envFileTracked, { files: { 'test/fixtures/app/.env': 'TOKEN=abcdefgh12345678' }, tracked: ['test/fixtures/app/.env'] }), []);
  });
  it('finds secrets written in the source, never printing them', () => {
    const files = {
      'settings.py': [
        "SECRET_KEY = 'django-insecure-abcdefghijklmnop0123456789'",
        "API_TOKEN = os.environ['API_TOKEN']",
        "PASSWORD_RESET_TIMEOUT = '259200000000'",
        "DATABASE_URL = 'postgres://app:s3cr3tpass@db.internal:5432/app'",
        "TEMPLATE = 'postgres://${USER}:${PASSWORD}@host/db'",
        "TOKEN_NAME = 'GITHUB_TOKEN_VARIABLE'",
        "# password = 'an-old-password-123'",
        "const help = 'a drain: https://[user:pass@]host/path';",
        "import { thing } from 'thing'; const s = 'the code imports', 'x';",
        "SECRET = os.environ.get('SECRET', 'fallback-secret-1234')",
      ].join('\n'),
      'keys/server.key': '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n',
      'README.md': 'Connect with postgres://user:pass@localhost/db',
      'tests/test_settings.py': "SECRET_KEY = 'test-secret-key-0123456789'",
    };
    const found = secretInSource.run(appFacts({ files }));
    assert.deepEqual(found.map(place), ['fail settings.py:1', 'fail settings.py:4', 'warn settings.py:10', 'fail keys/server.key:1']);
    assert.deepEqual(found.map((f) => f.evidence), [
      "SECRET_KEY = '****' (42 chars)",
      'postgres://app:****@db.internal:5432',
      "SECRET = ...'****' (20 chars)",
      '-----BEGIN RSA PRIVATE KEY----- (the key is not shown)',
    ]);
    const text = JSON.stringify(found);
    for (const secret of ['abcdefghijklmnop', 's3cr3tpass', 'fallback-secret']) assert.ok(!text.includes(secret), secret);
  });
});

describe('IV backing services', () => {
  it('fails an address written in the source, warns about one that is a config default', () => {
    const files = {
      'app.js': [
        "const redis = createClient({ url: 'redis://cache.internal:6379' });",
        "const db = process.env.DATABASE_URL || 'postgres://localhost:5432/app';",
        "const mongo = 'localhost:27017';",
        "const web = 'http://localhost:3000';",
        "if (url.startsWith('redis://')) {}",
        '// see amqp://localhost for a local broker',
      ].join('\n'),
      'settings.py': "CACHE = os.environ.get('REDIS_URL', 'redis://localhost:6379/0')",
      'docker-compose.yml': 'DATABASE_URL: postgres://postgres:postgres@db:5432/app',
      '.env': 'REDIS_URL=redis://localhost:6379',
      'test/app.test.js': "connect('redis://localhost:6379')",
    };
    assert.deepEqual(problems(addressInSource, { files }), ['fail app.js:1', 'warn app.js:2', 'fail app.js:3', 'warn settings.py:1']);
  });
});

describe('V build, release, run', () => {
  it('fails build steps in run commands', () => {
    const procfile = ['web: npm install && node server.js', 'worker: pip install -r requirements.txt; python w.py', 'api: NODE_ENV=production npm ci && npm start', 'ok: npm start', 'maybe: make run', 'assets: python manage.py collectstatic --noinput'].join('\n');
    assert.deepEqual(problems(buildStepInRun, { procfile }), ['fail Procfile:1', 'fail Procfile:2', 'fail Procfile:3', 'warn Procfile:5', 'fail Procfile:6']);
    assert.deepEqual(problems(buildStepInRun, { procfile: 'web: node dist/server.js\nworker: yarn start' }), []);
  });
});

describe('VI processes', () => {
  it('fails a SQLite database URL in the config, but not an in-memory one', () => {
    assert.deepEqual(problems(sqliteInConfig, { env: { A: 'x', DATABASE_URL: 'sqlite:///db.sqlite3' } }), ['fail .env:2']);
    assert.deepEqual(problems(sqliteInConfig, { env: { DATABASE_URL: 'sqlite://:memory:' } }), []);
  });
});

describe('VIII concurrency', () => {
  it('fails without a Procfile or without a process type', () => {
    assert.deepEqual(problems(processTypesDeclared, {}), ['fail -']);
    assert.deepEqual(problems(processTypesDeclared, { procfile: 'release: ./migrate' }), ['fail Procfile']);
    assert.deepEqual(problems(processTypesDeclared, { procfile: 'web: ./serve' }), []);
  });
});

describe('X dev/prod parity', () => {
  it('fails a development server as web, warns for other types and servers not meant for production', () => {
    const procfile = [
      'web: python manage.py runserver 0.0.0.0:$PORT',
      'assets: npx webpack serve',
      'ui: vite preview --port $PORT',
      'api: uvicorn main:app --reload',
      'watch: nodemon worker.js',
    ].join('\n');
    assert.deepEqual(problems(devServerAsWeb, { procfile }), ['fail Procfile:1', 'warn Procfile:2', 'warn Procfile:3', 'warn Procfile:4', 'warn Procfile:5']);
    for (const web of ['flask run --host 0.0.0.0', 'npm run dev', 'yarn dev', 'next dev -p $PORT', 'vite', 'rails server -e development -p $PORT', 'webpack-dev-server', 'node --watch server.js']) {
      assert.deepEqual(problems(devServerAsWeb, { procfile: `web: ${web}` }), ['fail Procfile:1'], web);
    }
    for (const web of ['gunicorn app:app', 'npm start', 'next start', 'vite build && node server.js', 'rails server -p $PORT', 'uvicorn main:app']) {
      assert.deepEqual(problems(devServerAsWeb, { procfile: `web: ${web}` }), [], web);
    }
  });
  it('warns about development switches in the config and the Procfile', () => {
    assert.deepEqual(problems(devSwitchInConfig, { env: { NODE_ENV: 'production', DEBUG: 'true', FLASK_ENV: 'development', DEBUG_COLORS: '1' } }), ['warn .env:2', 'warn .env:3']);
    assert.deepEqual(problems(devSwitchInConfig, { env: { DEBUG: 'app:*', DJANGO_DEBUG: '0' } }), []);
    assert.deepEqual(problems(devSwitchInConfig, { procfile: 'web: RAILS_ENV=development rails s' }), ['warn Procfile:1']);
  });
});

describe('XI logs (static)', () => {
  it('warns about Python types without -u or PYTHONUNBUFFERED', () => {
    const procfile = 'release: python manage.py migrate\nweb: gunicorn app:app\nworker: python -u worker.py\nclock: PYTHONUNBUFFERED=1 python clock.py\nnode: node a.js\njobs: poetry run python jobs.py';
    assert.deepEqual(problems(pythonBufferedStatic, { procfile }), ['warn Procfile:2', 'warn Procfile:6']);
    assert.deepEqual(problems(pythonBufferedStatic, { procfile, env: { PYTHONUNBUFFERED: '1' } }), []);
  });
});

describe('XII admin processes (static)', () => {
  it('warns about one-off tasks declared as process types, not in the release phase', () => {
    const procfile = 'release: python manage.py migrate\nmigrate: python manage.py migrate\ndb: rake db:migrate\nweb: npm run migrate && npm start\nknex: npx knex migrate:latest\nworker: celery -A app worker';
    assert.deepEqual(problems(oneOffAsProcessType, { procfile }), ['warn Procfile:2', 'warn Procfile:3', 'warn Procfile:4', 'warn Procfile:5']);
  });
});
