// Lint for the whole workspace. Module boundaries come from Nx tags:
// apps never import apps; a service library never imports another service library.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const services = ['ingestion', 'preprocessing', 'training', 'registry', 'inference', 'admin'];

const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ...services.map((s) => ({ allSourceTags: ['type:lib', `scope:${s}`], onlyDependOnLibsWithTags: ['scope:shared'] })),
  { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:shared', ...services.map((s) => `scope:${s}`)] },
];

// Service specs host the platform through its test harness, which makes a project-graph
// cycle platform ↔ service. Non-spec code still cannot import the platform from a service
// (the depConstraints above forbid it); only the cycle check is told about this edge.
const boundaries = { depConstraints, ignoredCircularDependencies: services.map((s) => ['platform', s]) };

export default [
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'libs/proto/src/gen/**', '.nx/**', '.cityml/**', 'coverage/**'],
  },
  ...tseslint.configs.recommended,
  {
    // Plain CommonJS tooling (jest config and hooks).
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@nx/enforce-module-boundaries': ['error', { allow: [], ...boundaries }],
    },
  },
  {
    // A service's tests may host the whole platform (real gRPC, real Postgres) through the
    // test harness; only specs get this exception.
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: ['@cityml/platform/testing', '@cityml/platform/live-up', '@cityml/platform'], ...boundaries }],
    },
  },
];
