// Lint rules for the whole tree: typescript-eslint's recommended set, plus the layering of
// src/ (a pure core that never imports the network edge; a generic runtime below the controller),
// enforced rather than remembered.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const edge = ['**/k8s/**', '**/runtime/**', '**/controller/**', '**/obs/**', '**/main', '**/main.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/api/**/*.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: edge, message: 'api/ and core/ are pure: no I/O layers.' }] },
      ],
    },
  },
  {
    files: ['src/k8s/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/runtime/**', '**/controller/**'], message: 'k8s/ sits below runtime/ and controller/.' },
          ],
        },
      ],
    },
  },
  {
    // The informer, work queue and leader election know nothing of AppWithHelpers, as
    // controller-runtime knows nothing of a kubebuilder project's internal/controller.
    files: ['src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/controller/**'], message: 'runtime/ sits below controller/.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
