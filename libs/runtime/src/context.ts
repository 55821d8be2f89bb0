import type { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';

/** A role, lowest to highest. */
export type Role = 'reader' | 'writer' | 'admin';

/**
 * Who is calling. The tenant always comes from verified credentials, never from a
 * request body. `service` marks a platform service identity (training workers,
 * inference), which may act for a tenant only as recorded on a resource.
 */
export interface Principal {
  tenant: string;
  role: Role;
  subject: string;
  service?: boolean;
  platformAdmin?: boolean;
}

/** The tenant every call runs as while authentication is off. */
export const DEFAULT_TENANT = 'default';

/** The principal of unauthenticated local mode. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ tenant: DEFAULT_TENANT, role: 'admin', subject: 'local', platformAdmin: true });

/** What every handler receives besides its request. */
export interface CallContext {
  principal: Principal;
  requestId: string;
  /** "/package.Service/Method". */
  method: string;
  log: Logger;
  metadata: Metadata;
  /** The call's deadline, when the caller set one. */
  deadline?: Date;
  /** Aborts when the caller cancels or the deadline passes. */
  signal: AbortSignal;
  /** Aborts when the server starts draining; open-ended streams should end then. */
  draining: AbortSignal;
}

/** Resolves the principal of a call (the authentication seam; see the security issue). */
export type Authenticator = (metadata: Metadata, method: string) => Principal | Promise<Principal>;

/** The authenticator used while auth is off: everything runs as the default tenant. */
export const localAuthenticator: Authenticator = () => LOCAL_PRINCIPAL;
