// The rules Temporal's own repositories lean on: promises are never dropped, type-only imports
// are marked (so workflow bundles never pull runtime code by accident), and workflow code cannot
// reach I/O: Node built-ins and I/O libraries are banned inside workflows/ and core/.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const ioLibraries = [
  '@kubernetes/client-node',
  'execa',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  'yaml',
];
const simBan = {
  group: ['**/sim', '**/sim/**'],
  message: 'Production code never imports sim/: reach it over HTTP like a real cluster.',
};

/** Bans the given modules at runtime; `import type` stays allowed. */
function banImports(names, message, patterns = []) {
  return {
    'no-restricted-imports': [
      'error',
      { paths: names.map((name) => ({ name, message, allowTypeImports: true })), patterns: [simBan, ...patterns] },
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.temporal/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['activities/**/*.ts', 'worker/**/*.ts', 'client/**/*.ts'],
    rules: banImports([], ''),
  },
  {
    files: ['workflows/**/*.ts'],
    rules: banImports(
      [...nodeBuiltins, ...ioLibraries],
      'Workflow code must be deterministic: no I/O. Call an activity instead.',
      [
        {
          group: ['**/activities/**', '**/client/**', '**/worker/**'],
          message: 'Workflows may only `import type` from activities; client and worker are off limits.',
          allowTypeImports: true,
        },
      ],
    ),
  },
  {
    files: ['core/**/*.ts'],
    rules: banImports(
      [...nodeBuiltins, ...ioLibraries, '@temporalio/workflow', '@temporalio/common'],
      'The core is pure: no Temporal, no cluster, no I/O.',
    ),
  },
);
