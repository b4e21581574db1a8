// The shell hook end to end: bash, zsh and fish, each an interactive shell in a pseudo-terminal
// (util-linux `script`), with the hook installed from its rc file as a user would. Each step
// types a line and waits, bounded, for the next prompt; values are read back through a small
// program that prints them as base64 JSON, so the terminal cannot alter them.
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdir, realpath, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliPath, hasProgram, killAllStarted, type Running, shellWord, startInPty, tempApp } from './helpers.js';

const T = { timeout: 120_000 };
after(killAllStarted);

const PROMPT = 'READY> ';
const STEP_MS = 15_000;

/** An app's .env with values that break naive quoting, and one that would run a command. */
const HOSTILE_ENV = [
  'GREETING=from the file',
  'DQ="say \\"hi\\" $$HOME \\\\ back\\nnew line"',
  "SQ='literal $HOME \\n `x` \"q\"'",
  'UNI=héllo ✓ 日本',
  'MULTI="line1',
  'line2"',
  'SUBST="$(touch PWNED) `touch PWNED`"',
  'QUOTE="it\'s \'quoted\'"',
  'BS="C:\\\\path\\\\to\\\\"',
  'TRAIL="  spaces  "',
  'EMPTY=',
  'GLOB=*',
  'FISHY="{a,b} ~ % ; & | (x)"',
  '',
].join('\n');

const HOSTILE_VALUES: Record<string, string> = {
  GREETING: 'from the file',
  DQ: 'say "hi" $HOME \\ back\nnew line',
  SQ: 'literal $HOME \\n `x` "q"',
  UNI: 'héllo ✓ 日本',
  MULTI: 'line1\nline2',
  SUBST: '$(touch PWNED) `touch PWNED`',
  QUOTE: "it's 'quoted'",
  BS: 'C:\\path\\to\\',
  TRAIL: '  spaces  ',
  EMPTY: '',
  GLOB: '*',
  FISHY: '{a,b} ~ % ; & | (x)',
};

const KEYS = [...Object.keys(HOSTILE_VALUES), 'OTHER', 'EXTRA'];

/** The shell's variables before any app: GREETING exists, the others do not. */
const BEFORE: Record<string, string | null> = Object.fromEntries(KEYS.map((k) => [k, k === 'GREETING' ? 'from the shell' : null]));

type Shell = 'bash' | 'zsh' | 'fish';

interface Setup {
  home: string;
  app: string;
  other: string;
  bin: string;
}

/** The shell's command line and its rc file: the prompt, GREETING, and the hook from `dozen hook`. */
async function shellCommand(shell: Shell, s: Setup): Promise<string> {
  switch (shell) {
    case 'bash':
      await writeFile(join(s.home, '.bashrc'), `PS1='${PROMPT}'\nexport GREETING='from the shell'\neval "$(dozen hook bash)"\n`);
      return `exec bash --noprofile --rcfile ${shellWord(join(s.home, '.bashrc'))} -i`;
    case 'zsh':
      await writeFile(join(s.home, '.zshrc'), `PROMPT='${PROMPT}'\nunsetopt PROMPT_SP\nexport GREETING='from the shell'\neval "$(dozen hook zsh)"\n`);
      return 'exec zsh -i';
    case 'fish': {
      const dozen = join(s.bin, 'dozen');
      const rc = join(s.home, 'rc.fish');
      await writeFile(rc, `function fish_prompt; echo -n '${PROMPT}'; end\nset -g fish_greeting\nset -gx GREETING 'from the shell'\n${shellWord(dozen)} hook fish | source\n`);
      return `exec fish --no-config -i -C ${shellWord(`source ${rc}`)}`;
    }
  }
}

/** Drives one interactive shell: type a line, get what it printed up to the next prompt. */
class PtyShell {
  private offset = 0;
  constructor(private readonly pty: Running) {}

  /** Everything up to the next prompt after what was already read (carriage returns dropped). */
  nextPrompt(): Promise<string> {
    return this.waitFor(PROMPT);
  }

  /**
   * Types `line` and returns what it printed up to the next prompt. Waits for the newline that
   * ends the typed line first: fish redraws its prompt as the keys arrive.
   */
  async type(line: string): Promise<string> {
    this.pty.write(`${line}\n`);
    await this.waitFor('\n');
    return this.nextPrompt();
  }

  /** The output from the last point read up to `marker`, which is consumed too. Bounded. */
  private waitFor(marker: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const out = this.pty.stdout();
        const at = out.indexOf(marker, this.offset);
        if (at === -1) return false;
        const text = out.slice(this.offset, at).replace(/\r/g, '');
        this.offset = at + marker.length;
        finish();
        resolve(text);
        return true;
      };
      const onData = (): void => void check();
      const onClose = (): void => {
        if (!check()) fail('the shell exited');
      };
      const timer = setTimeout(() => fail(`no ${JSON.stringify(marker)} within ${STEP_MS} ms`), STEP_MS);
      const fail = (why: string): void => {
        finish();
        reject(new Error(`${why}; output since the last one:\n${this.pty.stdout().slice(this.offset)}`));
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.pty.child.stdout?.off('data', onData);
        this.pty.child.off('close', onClose);
      };
      this.pty.child.stdout?.on('data', onData);
      this.pty.child.once('close', onClose);
      check();
    });
  }

  /** The values of KEYS in the shell's environment, null for unset. */
  async env(): Promise<Record<string, string | null>> {
    const out = await this.type('dump');
    const m = out.match(/ENV:([A-Za-z0-9+/=]*):END/);
    assert.ok(m, `no dump in:\n${out}`);
    return JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as Record<string, string | null>;
  }
}

const blockedLine = (dir: string): string => `dozen: .env in ${dir} is blocked: run "dozen allow" to load it`;

describe('dozen hook, in a real shell through a pty', () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const missing = ['script', shell].filter((p) => !hasProgram(p));
    it(`${shell}: blocked until allowed, values byte for byte, restored on leaving, blocked again on a change`, { ...T, skip: missing.length > 0 ? `needs ${missing.join(', ')}` : false }, async (t) => {
      const tmp = await tempApp();
      t.after(tmp.cleanup);
      const root = await realpath(tmp.dir);
      const s: Setup = { home: join(root, 'home'), app: join(root, 'app'), other: join(root, 'other'), bin: join(root, 'bin') };
      for (const dir of [s.home, join(s.app, 'sub'), s.other, s.bin]) await mkdir(dir, { recursive: true });
      await writeFile(join(s.app, '.env'), HOSTILE_ENV);
      await writeFile(join(s.other, '.env'), 'OTHER=b\nGREETING="from b"\n');
      const dumpCode = `const v = Object.fromEntries(${JSON.stringify(KEYS)}.map((k) => [k, process.env[k] ?? null])); console.log("ENV:" + Buffer.from(JSON.stringify(v)).toString("base64") + ":END")`;
      await writeFile(join(s.bin, 'dump.cjs'), dumpCode);
      await writeFile(join(s.bin, 'dump'), `#!/bin/sh\nexec ${shellWord(process.execPath)} ${shellWord(join(s.bin, 'dump.cjs'))}\n`);
      await writeFile(join(s.bin, 'dozen'), `#!/bin/sh\nexec ${shellWord(process.execPath)} ${shellWord(cliPath)} "$@"\n`);
      await Promise.all(['dump', 'dozen'].map((f) => chmod(join(s.bin, f), 0o755)));

      const pty = startInPty(await shellCommand(shell, s), {
        cwd: s.home,
        env: {
          HOME: s.home,
          ZDOTDIR: s.home,
          PATH: `${s.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          TERM: 'dumb',
          XDG_DATA_HOME: join(root, 'data'),
          XDG_RUNTIME_DIR: join(root, 'run'),
          XDG_CONFIG_HOME: join(root, 'config'),
        },
        timeoutMs: T.timeout,
      });
      const sh = new PtyShell(pty);
      try {
        const first = await sh.nextPrompt();
        assert.doesNotMatch(first, /dozen:/);
        assert.deepEqual(await sh.env(), BEFORE);

        // A new .env is blocked, said once (not at the next prompt, nor in a subfolder).
        assert.ok((await sh.type(`cd ${shellWord(s.app)}`)).includes(blockedLine(s.app)));
        assert.doesNotMatch(await sh.type('true'), /blocked/);
        assert.doesNotMatch(await sh.type('cd sub'), /blocked/);
        assert.deepEqual(await sh.env(), BEFORE);

        // Allowed: loaded at the next prompt, every value byte for byte, nothing run.
        const allowed = await sh.type('dozen allow');
        assert.match(allowed, new RegExp(`allowed \\.env in ${s.app}\\n`));
        assert.match(allowed, new RegExp(`dozen: loaded \\.env in ${s.app}: GREETING, DQ, `));
        assert.deepEqual(await sh.env(), { ...BEFORE, ...HOSTILE_VALUES });

        // Leaving A for B unloads A, then B is blocked; allowed, B alone is loaded.
        const toOther = await sh.type(`cd ${shellWord(s.other)}`);
        assert.ok(toOther.includes(`dozen: unloaded .env in ${s.app}`), toOther);
        assert.ok(toOther.includes(blockedLine(s.other)), toOther);
        assert.deepEqual(await sh.env(), BEFORE);
        assert.match(await sh.type('dozen allow'), /dozen: loaded \.env in .*: OTHER, GREETING/);
        assert.deepEqual(await sh.env(), { ...BEFORE, OTHER: 'b', GREETING: 'from b' });

        // Out of every app: what was there before is back, what was not is unset.
        assert.match(await sh.type('cd ~'), /dozen: unloaded \.env in /);
        assert.deepEqual(await sh.env(), BEFORE);

        // Back in: still allowed. Then an edit blocks it again (and unloads) until allowed.
        assert.match(await sh.type(`cd ${shellWord(s.app)}`), /dozen: loaded \.env in /);
        await appendFile(join(s.app, '.env'), 'EXTRA=1\n');
        const edited = await sh.type('');
        assert.ok(edited.includes(blockedLine(s.app)), edited);
        assert.deepEqual(await sh.env(), BEFORE);
        assert.doesNotMatch(await sh.type(''), /blocked/);
        assert.match(await sh.type('dozen allow'), /dozen: loaded \.env in /);
        assert.deepEqual(await sh.env(), { ...BEFORE, ...HOSTILE_VALUES, EXTRA: '1' });

        // Denied: unloaded, and blocked.
        const denied = await sh.type('dozen deny');
        assert.match(denied, new RegExp(`denied \\.env in ${s.app}\\n`));
        assert.ok(denied.includes(blockedLine(s.app)), denied);
        assert.deepEqual(await sh.env(), BEFORE);

        for (const dir of [s.app, join(s.app, 'sub'), s.home]) assert.equal(existsSync(join(dir, 'PWNED')), false);
        // The approvals are private.
        const allowDir = join(root, 'data/dozen/allow');
        assert.equal(statSync(allowDir).mode & 0o777, 0o700);
        for (const f of readdirSync(allowDir)) assert.equal(statSync(join(allowDir, f)).mode & 0o777, 0o600, f);
        pty.write('exit\n');
        await pty.exited(STEP_MS);
      } finally {
        pty.signalGroup('SIGKILL');
      }
    });
  }
});
