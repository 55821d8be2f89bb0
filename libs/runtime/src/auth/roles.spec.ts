import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRpcs, roleTableMarkdown, unclassifiedRpcs } from './role-table';
import { accessFor, authorize, requireRole, RPC_ACCESS } from './roles';
import type { Principal } from '../context';

const DOC = join(__dirname, '../../../../docs/security.md');
const BEGIN = '<!-- role-table:begin (generated from libs/runtime/src/auth/roles.ts by roles.spec.ts; CITYML_UPDATE_DOCS=1 rewrites it) -->';
const END = '<!-- role-table:end -->';

const as = (role: Principal['role'], platformAdmin = false): Principal => ({ tenant: 't', role, subject: 'key_x', platformAdmin });

describe('the role table', () => {
  it('classifies every RPC of every generated service', () => {
    expect(allRpcs().length).toBeGreaterThan(40);
    expect(unclassifiedRpcs()).toEqual([]);
  });

  it('names no RPC that does not exist', () => {
    const known = new Set(allRpcs().map((r) => r.path));
    expect(Object.keys(RPC_ACCESS).filter((p) => !known.has(p))).toEqual([]);
  });

  it('lets readers read and only read', () => {
    for (const [path, access] of Object.entries(RPC_ACCESS)) {
      const call = () => authorize(as('reader'), path);
      if (access === 'reader') expect(call).not.toThrow();
      else expect(call).toThrow(expect.objectContaining({ code: 7 }));
    }
  });

  it('lets writers do everything but admin and platform calls', () => {
    for (const [path, access] of Object.entries(RPC_ACCESS)) {
      const call = () => authorize(as('writer'), path);
      if (access === 'reader' || access === 'writer') expect(call).not.toThrow();
      else expect(call).toThrow(expect.objectContaining({ code: 7 }));
    }
  });

  it('keeps tenant creation for platform administrators, even from a tenant admin', () => {
    expect(() => authorize(as('admin'), '/cityml.admin.v1.AdminService/CreateTenant')).toThrow(/platform administrator/);
    expect(() => authorize(as('admin', true), '/cityml.admin.v1.AdminService/CreateTenant')).not.toThrow();
    expect(() => authorize(as('admin'), '/cityml.admin.v1.AdminService/RevokeApiKey')).not.toThrow();
  });

  it('needs admin for a method not in the table', () => {
    expect(accessFor('/cityml.x.v1.X/New')).toBe('admin');
    expect(() => authorize(as('writer'), '/cityml.x.v1.X/New')).toThrow(/admin/);
  });

  it('offers requireRole for finer checks inside a handler', () => {
    expect(() => requireRole({ principal: as('writer') }, 'admin', 'moving the production alias')).toThrow(/moving the production alias needs the admin role/);
    expect(() => requireRole({ principal: as('admin') }, 'admin', 'moving the production alias')).not.toThrow();
  });

  it('is written down in docs/security.md, up to date', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const want = `${BEGIN}\n${roleTableMarkdown()}\n${END}`;
    const have = doc.slice(start, end + END.length);
    if (have !== want && process.env.CITYML_UPDATE_DOCS === '1') writeFileSync(DOC, doc.slice(0, start) + want + doc.slice(end + END.length));
    else expect(have).toBe(want);
  });
});
