// Lint for the whole workspace. Module boundaries come from Nx tags:
// apps never import apps; a service library never imports another service library.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'libs/proto/src/gen/**', '.nx/**', '.cityml/**', 'coverage/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { allSourceTags: ['type:lib', 'scope:ingestion'], onlyDependOnLibsWithTags: ['scope:shared'] },
            { allSourceTags: ['type:lib', 'scope:preprocessing'], onlyDependOnLibsWithTags: ['scope:shared'] },
            { allSourceTags: ['type:lib', 'scope:training'], onlyDependOnLibsWithTags: ['scope:shared'] },
            { allSourceTags: ['type:lib', 'scope:registry'], onlyDependOnLibsWithTags: ['scope:shared'] },
            { allSourceTags: ['type:lib', 'scope:inference'], onlyDependOnLibsWithTags: ['scope:shared'] },
            { allSourceTags: ['type:lib', 'scope:admin'], onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ingestion', 'scope:preprocessing', 'scope:training', 'scope:registry', 'scope:inference', 'scope:admin'] },
          ],
        },
      ],
    },
  },
];
