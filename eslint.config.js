import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/'] },
  {
    files: ['lib/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // tsc checks this (noUnusedLocals, noUnusedParameters), with the _name and rest-sibling conventions the code uses
      '@typescript-eslint/no-unused-vars': 'off',
      // some functions are async for their contract alone: callers await them, and a throw must reject, not escape
      '@typescript-eslint/require-await': 'off',
      // node:test runs the tests that describe and it register; their promises are not the caller's to await
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
    },
  },
);
