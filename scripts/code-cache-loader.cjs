// dozen's entry as shipped (bin/dozen runs it). It runs main.js, the CLI bundled as one CommonJS
// file, compiled from V8's code cache instead of from source when it can: compiling the CLI costs
// about 45 ms at every start, loading a cache about 5. A cache is valid for one build of main.js
// (BUILD, a hash of it, filled in by scripts/bundle.mjs: V8 itself only checks the source's
// length) and one Node (version, arch); V8 rejects one made under other flags. Caches live in the
// user's cache folder ($XDG_CACHE_HOME/dozen or ~/.cache/dozen: 0700, files 0600), one for `dozen start` and one for the other commands,
// since a cache holds what the run that wrote it had compiled. A run that finds none, or one V8
// rejects, compiles from source and writes a new one at exit (atomically: a temporary file, then
// a rename). Without a writable cache folder every run simply compiles from source.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const BUILD = '__BUILD__';
const file = path.join(__dirname, 'main.js');
const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'dozen');
const kind = process.argv.slice(2).find((a) => !a.startsWith('-')) === 'start' ? 'start' : 'cli';
const cacheFile = path.join(dir, `${BUILD}-${kind}-${process.version}-${process.arch}.v8cache`);

// A cache is code dozen runs: it is used only from a real folder (not a link) owned by this user
// and writable by no one else, as a file of that user that is no link (as ssh's StrictModes
// checks ~/.ssh); the SHA-256 below detects damage, not forgery. Otherwise one line says why, and
// the run compiles from source and writes nothing there.
const uid = process.getuid?.();
function untrusted(p, what) {
  let st;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    return `cannot check ${p} (${err.code})`;
  }
  if (st.isSymbolicLink()) return `${p} is a symbolic link (remove it: rm ${p})`;
  if (what === 'folder' ? !st.isDirectory() : !st.isFile()) return `${p} is not a ${what} (move it away: mv ${p} ${p}.moved)`;
  if (uid !== undefined && st.uid !== uid) return `${p} belongs to uid ${st.uid}, not to you (uid ${uid}) (remove it: rm -r ${p})`;
  if ((st.mode & 0o022) !== 0) return `${p} is writable by other users (make it yours alone: chmod go-w ${p})`;
  return undefined;
}
const refused = untrusted(dir, 'folder') ?? untrusted(cacheFile, 'file');
if (refused !== undefined) process.stderr.write(`dozen: warning: not using the code cache: ${refused}\n`);

// V8 does not check a cache's contents (a damaged one can crash it), so each file starts with the
// SHA-256 of the rest, checked before V8 sees it. dozen start loads node:crypto anyway.
const DIGEST = 32;
const digest = (data) => require('node:crypto').createHash('sha256').update(data).digest();
let cachedData;
if (refused === undefined) {
  try {
    const file = fs.readFileSync(cacheFile);
    const data = file.subarray(DIGEST);
    if (file.length > DIGEST && digest(data).equals(file.subarray(0, DIGEST))) cachedData = data;
  } catch {
    // no cache yet: compile from source, write one at exit
  }
}
// The source read is not kept in a variable: only the wrapped copy, which V8 holds, stays alive.
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
if (refused === undefined && (cachedData === undefined || script.cachedDataRejected)) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (untrusted(dir, 'folder') !== undefined) return; // made by someone else meanwhile
      const data = script.createCachedData();
      fs.writeFileSync(tmp, Buffer.concat([digest(data), data]), { mode: 0o600, flag: 'wx' });
      fs.renameSync(tmp, cacheFile);
    } catch {
      fs.rmSync(tmp, { force: true }); // not writable: the next run compiles from source again
    }
  });
}
const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(__dirname);
process.argv[1] = file; // main.js runs the CLI when it is process.argv[1]
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname);
