// ESLint for the whole tree (npm run lint, run by npm test). Type-aware: rules that need the type checker
// read each file through the tsconfig that owns it (projectService). The layer rules at the bottom keep the
// dependency direction the README's Layout section describes: protocol ← transports ← server ← cli; client → protocol.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const outside = (...folders) => folders.flatMap((folder) => [`**/${folder}`, `**/${folder}/**`]);

const layer = (files, message, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
});

export default tseslint.config(
  // test/package/apps/: scratch apps that import the installed package; the pack test compiles and runs them.
  {
    ignores: [
      'dist/',
      'node_modules/',
      'test-artifacts/',
      '.build-*/',
      '.smoke/',
      'bench/results/',
      'docs/',
      'test/package/apps/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // sockjs 0.3.24 and websocket-multiplex ship no types (typed at the call), package.json files are
      // read for versions, and the sockjs-node fixtures require our compat entry as they require sockjs.
      '@typescript-eslint/no-require-imports': [
        'error',
        { allow: ['^sockjs$', '^websocket-multiplex$', '/server/sockjs-node$', '/package\\.json$'] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The SockJS and JSON codecs match control characters on purpose.
      'no-control-regex': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSAsExpression > TSAnyKeyword', message: 'No casts to any: narrow the type instead.' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  layer(
    ['protocol/**/*.ts'],
    'protocol/ is the pure bottom layer: it imports only its own files (no node:, no packages, no other layer).',
    ['node:*', ...outside('server', 'transports', 'client', 'test', 'demo', 'bench'), 'ws', 'express', 'sockjs-client'],
  ),
  layer(
    ['transports/**/*.ts'],
    'transports/ depend on protocol/ and the ports they declare themselves, never on server/ or client/.',
    outside('server', 'client', 'test', 'demo', 'bench'),
  ),
  layer(['client/**/*.ts'], 'client/ runs in browsers: it uses protocol/ only (no node:, no server code).', [
    'node:*',
    ...outside('server', 'transports', 'test', 'demo', 'bench'),
    'ws',
    'express',
  ]),
  layer(['server/**/*.ts'], 'server/ is the library: it does not import tests, the demo, the bench or the client.', [
    ...outside('client', 'cli', 'test', 'demo', 'bench'),
  ]),
  layer(['cli/**/*.ts'], 'cli/ ships (the bin): it uses server/ only, never tests, the demo or the bench.', [
    ...outside('client', 'transports', 'test', 'demo', 'bench'),
    'express',
  ]),
  prettier,
);
