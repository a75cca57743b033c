// Lint rules for the whole tree: typescript-eslint's recommended set, plus the layering of
// src/ (a pure core that never imports the network edge), enforced rather than remembered.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const edge = ['**/k8s/**', '**/controller/**', '**/obs/**', '**/main', '**/main.ts'];

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
        { patterns: [{ group: ['**/controller/**'], message: 'k8s/ sits below controller/.' }] },
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
