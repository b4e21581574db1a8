// ESLint over the project's own code: src/, test/, bench/ and scripts/.
// typescript-eslint's recommended rules without type information, so a run stays quick.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// What Node gives the build scripts (scripts/*.cjs and *.mjs) without an import.
const nodeGlobals = {
  Buffer: 'readonly',
  URL: 'readonly',
  console: 'readonly',
  process: 'readonly',
  require: 'readonly',
  module: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'examples/', 'test/fixtures/doctor/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // `cond ? a() : b()` as a statement picks one of two calls: it does something.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
      // Control characters in patterns are meant: systemd/supervisord quoting, ANSI escapes.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    // A test's cleanup in `finally` rethrows what it did not expect (not ESRCH) on purpose.
    rules: { 'no-unsafe-finally': 'off' },
  },
  {
    files: ['scripts/**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
