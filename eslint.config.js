// Lint: the layering rules of docs/ARCHITECTURE.md ("Layers") as errors, plus typescript-eslint's recommended set.
// .svelte files are parsed too (svelte-eslint-parser), so a component cannot import past the contract either.
// engine -> contract only; app -> engine + contract; transports/cli -> app, engine, contract;
// only src-main/electron may import electron; the renderer imports only src-main/contract.
import tseslint from 'typescript-eslint';
import svelteParser from 'svelte-eslint-parser';

const NODE_BUILTINS = ['fs', 'net', 'dgram', 'child_process', 'os', 'path', 'http', 'https', 'crypto', 'tls', 'dns', 'worker_threads'];
const electronBan = { name: 'electron', message: 'Only src-main/electron/ may import electron: the rest must run on plain Node.' };
const layer = (message, ...regexes) => regexes.map((regex) => ({ regex, message }));

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    // Components: only the layering rule below (svelte-check types them); the script block is TypeScript.
    files: ['**/*.svelte'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src-main/contract/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan, ...NODE_BUILTINS.map((name) => ({ name, message: 'The contract is shared with the renderer: no Node modules.' }))],
        patterns: [
          { group: ['node:*'], message: 'The contract is shared with the renderer: no Node modules.' },
          ...layer('The contract imports nothing of the project but itself.', '^\\.\\./'),
        ],
      }],
    },
  },
  {
    files: ['src-main/engine/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan],
        patterns: layer('The engine imports only the contract (and its own modules).', '(^|/)(app|transports|electron|cli)/', 'src-renderer'),
      }],
    },
  },
  {
    files: ['src-main/app/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan],
        patterns: layer('The app imports the engine and the contract only.', '(^|/)(transports|electron|cli)/', 'src-renderer'),
      }],
    },
  },
  {
    files: ['src-main/transports/**', 'src-main/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan],
        patterns: layer('Transports and the CLI must not depend on the Electron shell or the renderer.', '(^|/)electron/', 'src-renderer'),
      }],
    },
  },
  {
    // Values come from the area's own file: contract/index.js joins every area, and importing a value
    // from it builds every schema of the contract (tens of ms at each CLI start). Types are free.
    files: ['src-main/engine/**', 'src-main/app/**', 'src-main/transports/**', 'src-main/cli/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)contract/index\\.js$', allowTypeImports: true, message: 'Import values from the contract area file (contract/errors.js, contract/sockets.js...): index.js builds every schema. Types may come from index.js.' }],
      }],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan, ...NODE_BUILTINS.map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node modules.' }))],
        patterns: [
          { group: ['node:*'], message: 'The renderer runs in a browser sandbox: no Node modules.' },
          ...layer('The renderer imports only src-main/contract from the main side.', 'src-main/(?!contract/)'),
        ],
      }],
    },
  },
);
