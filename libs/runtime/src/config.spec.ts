import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(50051);
    expect(c.services).toEqual(['ingestion', 'preprocessing', 'training', 'registry', 'inference']);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.tls).toBeUndefined();
  });

  it('reads a list of services and a port', () => {
    const c = loadConfig({ CITYML_SERVICES: 'registry, inference', CITYML_PORT: '7000' });
    expect(c.services).toEqual(['registry', 'inference']);
    expect(c.port).toBe(7000);
  });

  it.each([
    ['CITYML_PORT', '70000'],
    ['CITYML_PORT', 'abc'],
    ['CITYML_SERVICES', 'ingestion,billing'],
    ['DATABASE_URL', 'mysql://x'],
    ['CITYML_REFLECTION', 'maybe'],
    ['CITYML_MAX_MESSAGE_BYTES', '-1'],
  ])('refuses %s=%s with an error naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('needs TLS certificate and key together', () => {
    expect(() => loadConfig({ CITYML_TLS_CERT_FILE: '/x.pem' })).toThrow(/CITYML_TLS_KEY_FILE/);
  });

  it('exports the name of every variable it reads', () => {
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(['DATABASE_URL', 'CITYML_PORT', 'CITYML_SERVICES', 'CITYML_HEALTH_PORT', 'CITYML_METRICS_PORT']));
    const env = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v, undefined]));
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describe('the README', () => {
  it('documents every configuration variable', () => {
    const readme = require('node:fs').readFileSync(require('node:path').join(__dirname, '../../../README.md'), 'utf8') as string;
    const documented = (v: string) => readme.includes(`\`${v}\``) || (/^CITYML_[A-Z]+_ADDRESS$/.test(v) && readme.includes('`CITYML_<SERVICE>_ADDRESS`'));
    expect(CONFIG_VARIABLES.filter((v) => !documented(v))).toEqual([]);
  });
});
