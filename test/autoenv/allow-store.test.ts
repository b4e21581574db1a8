// Approvals on disk: keyed by path and content, private, and approving nothing from a folder that
// others can write.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AllowStore, allowDir, sha256 } from '../../src/autoenv/allow-store.js';
import { checkApp, envFileNames, findApp } from '../../src/autoenv/find-app.js';

function temp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-allow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('AllowStore', () => {
  it('approves one content at one path: an edit or another path is not approved; deny revokes', (t) => {
    const store = new AllowStore(join(temp(t), 'data/dozen/allow'));
    assert.equal(store.isAllowed('/a/.env', sha256('A=1\n')), false);
    store.allow('/a/.env', sha256('A=1\n'));
    assert.equal(store.isAllowed('/a/.env', sha256('A=1\n')), true);
    assert.equal(store.isAllowed('/a/.env', sha256('A=2\n')), false);
    assert.equal(store.isAllowed('/b/.env', sha256('A=1\n')), false);
    assert.equal(statSync(store.dir).mode & 0o777, 0o700);
    for (const f of readdirSync(store.dir)) assert.equal(statSync(join(store.dir, f)).mode & 0o777, 0o600);
    assert.equal(store.deny('/a/.env'), true);
    assert.equal(store.deny('/a/.env'), false);
    assert.equal(store.isAllowed('/a/.env', sha256('A=1\n')), false);
  });

  it('a folder others can write approves nothing', (t) => {
    const store = new AllowStore(join(temp(t), 'allow'));
    store.allow('/a/.env', 'h');
    chmodSync(store.dir, 0o777);
    assert.equal(store.isAllowed('/a/.env', 'h'), false);
  });

  it('lives under $XDG_DATA_HOME, else ~/.local/share', () => {
    assert.equal(allowDir({ XDG_DATA_HOME: '/x/data', HOME: '/h' }), '/x/data/dozen/allow');
    assert.equal(allowDir({ XDG_DATA_HOME: 'relative', HOME: '/h' }), '/h/.local/share/dozen/allow');
    assert.equal(allowDir({ HOME: '/h' }), '/h/.local/share/dozen/allow');
  });
});

describe('findApp and checkApp', () => {
  it('the nearest folder with an env file is the app; the places between are watched for a new one', (t) => {
    const root = temp(t);
    mkdirSync(join(root, 'app/x/y'), { recursive: true });
    writeFileSync(join(root, 'app/.env'), 'A=1\n');
    const found = findApp(join(root, 'app/x/y'), ['.env', '.env.local']);
    assert.equal(found.root, join(root, 'app'));
    assert.deepEqual(found.files, [{ name: '.env', path: join(root, 'app/.env') }]);
    const absent = ['app/x/y/.env', 'app/x/y/.env.local', 'app/x/.env', 'app/x/.env.local', 'app/.env.local'];
    assert.deepEqual(found.absent, absent.map((p) => join(root, p)));
    assert.deepEqual(findApp(join(root, 'app'), []), { files: [], absent: [] });
  });

  it('the content is blocked until allowed at its real path', (t) => {
    const root = temp(t);
    writeFileSync(join(root, '.env'), 'A=1\n');
    const store = new AllowStore(join(root, 'allow'));
    const found = findApp(root, ['.env']);
    assert.deepEqual(checkApp(found, store).check, { type: 'blocked', root, files: [{ name: '.env', sha256: sha256('A=1\n') }], blocked: ['.env'] });
    store.allow(realpathSync(join(root, '.env')), sha256('A=1\n'));
    const { check, approvals } = checkApp(found, store);
    assert.deepEqual(check, { type: 'allowed', root, files: [{ name: '.env', sha256: sha256('A=1\n'), text: 'A=1\n' }] });
    assert.deepEqual(approvals, { present: [store.approvalFile(realpathSync(join(root, '.env')))], absent: [] });
  });
});

describe('envFileNames', () => {
  it('is .env, or the list DOZEN_ENV gives (empty: none)', () => {
    assert.deepEqual(envFileNames({}), ['.env']);
    assert.deepEqual(envFileNames({ DOZEN_ENV: '.env, .env.local,' }), ['.env', '.env.local']);
    assert.deepEqual(envFileNames({ DOZEN_ENV: '' }), []);
  });
});
