// One jest run for the whole workspace: every project is a jest "project", so a single
// embedded Postgres (started in tools/jest-global-setup.js) serves all test files.
const fs = require('node:fs');
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  const key = '^' + alias.replace('/*', '/(.*)') + '$';
  moduleNameMapper[key] = path.join(__dirname, target.replace('/*', '/$1'));
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: false },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

function projectRoots() {
  const roots = [];
  for (const base of ['libs', 'libs/services', 'apps']) {
    for (const name of fs.readdirSync(path.join(__dirname, base))) {
      const root = path.join(base, name);
      if (fs.existsSync(path.join(__dirname, root, 'project.json'))) roots.push(root);
    }
  }
  if (fs.existsSync(path.join(__dirname, 'deploy', 'project.json'))) roots.push('deploy');
  if (fs.existsSync(path.join(__dirname, 'examples', 'project.json'))) roots.push('examples');
  return roots;
}

module.exports = {
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
  globalTeardown: '<rootDir>/tools/jest-global-teardown.js',
  maxWorkers: 2,
  // Generous: the suite runs on 2 cores, and many tests start real servers and processes.
  testTimeout: 60_000,
  projects: projectRoots().map((root) => ({
    displayName: require(path.join(__dirname, root, 'project.json')).name,
    rootDir: path.join(__dirname, root),
    testMatch: ['<rootDir>/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    testEnvironment: 'node',
    transform: {
      '^.+\\.ts$': swc,
      '^.+\\.sql$': path.join(__dirname, 'tools/jest-text-transform.js'),
    },
    moduleFileExtensions: ['ts', 'js', 'json', 'sql'],
    moduleNameMapper,
  })),
};
