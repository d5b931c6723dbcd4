// @ts-check
import tseslint from 'typescript-eslint';

/**
 * Type-aware lint (typescript-eslint, flat config). The rules that matter most here catch promises nobody awaits or
 * handles — the fire-and-forget that background loops, timers and event handlers invite — and dead code.
 * `npm run lint` fails on any warning.
 */
export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'migrations/**', 'data/**', 'src/http/admin/admin.js'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-unused-expressions': 'error',
      // Rethrowing what a catch caught (typed unknown) is fine; throwing a string or a plain object is not.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
    },
  },
);
