import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStoreForWriting, storePath } from '../../../src/logs/store/store-db.js';
import { StoreWriter } from '../../../src/logs/store/store-writer.js';
import { DEFAULT_RETENTION } from '../../../src/logs/store/retention.js';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { parseLogQuery } from '../../../src/logs/query.js';

const CHILD = fileURLToPath(new URL('./flood-child.js', import.meta.url));

test('SIGKILL mid-flood: the store opens cleanly and holds every committed line', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-store-crash-'));
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, DOZEN_FLOOD_STORE_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    // Wait (bounded) until well over 100k lines are committed, then SIGKILL in the middle of it.
    const lastCommitted = await new Promise<number>((resolve, reject) => {
      let buf = '';
      let last = 0;
      const bound = setTimeout(() => reject(new Error(`only ${last} lines committed after 60 s; stderr: ${stderr}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const m of buf.matchAll(/committed (\d+)\n/g)) last = Number(m[1]);
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
        if (last >= 100_000) {
          clearTimeout(bound);
          child.kill('SIGKILL');
          resolve(last);
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}); stderr: ${stderr}`)));
    });
    await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    assert.equal(child.signalCode, 'SIGKILL');

    // Reopen as the next `dozen start` would (WAL recovery happens here).
    const db = openStoreForWriting(storePath(dir));
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      // The index may lag the rows (it is built behind them): finish it, then FTS5 checks it.
      const writer = new StoreWriter(db, DEFAULT_RETENTION);
      while (writer.indexSlice() > 0);
      db.exec("INSERT INTO lines_fts(lines_fts, rank) VALUES ('integrity-check', 1)");
      const n = db.prepare('SELECT coalesce(sum(lines), 0) FROM chunks').pluck().get() as number;
      assert.ok(n >= lastCommitted, `stored ${n} < last committed ${lastCommitted}`);
      // Every stored line is the flood's next line: nothing torn, reordered, duplicated or missing.
      const reader = LogReader.open(dir);
      assert.ok(reader);
      const lines = reader.query(parseLogQuery({ num: String(n + 1) }, Date.now()));
      reader.close();
      assert.equal(lines.length, n);
      lines.forEach((l, i) => {
        if (l.text !== `flood ${i} some text to search` || l.id !== i + 1) assert.fail(`line ${i + 1}: ${l.id} ${l.text}`);
      });
    } finally {
      db.close();
    }
    const reader = LogReader.open(dir);
    assert.ok(reader);
    const hit = reader.query(parseLogQuery({ search: `"flood ${lastCommitted - 1}"` }, Date.now()));
    assert.deepEqual(hit.map((l) => l.text), [`flood ${lastCommitted - 1} some text to search`]);
    reader.close();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
