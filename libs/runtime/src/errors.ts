import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

/** One detail of an error: which field, row or column was wrong, and why. */
export interface ErrorDetail {
  field?: string;
  row?: number;
  line?: number;
  column?: string;
  reason: string;
}

/** Trailing-metadata key that carries {@link ErrorDetail}s as JSON. */
export const ERROR_DETAILS_KEY = 'cityml-error-details-bin';

/**
 * Base of the closed set of errors a handler may throw. Each maps to one gRPC status;
 * the message is sent to the caller, so it must never contain SQL, paths or stacks.
 */
export abstract class CityMLError extends Error {
  abstract readonly code: status;
  readonly details: ErrorDetail[];
  constructor(message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** INVALID_ARGUMENT: a request field, row or column is wrong. Name it in the message. */
export class InvalidArgumentError extends CityMLError {
  readonly code = status.INVALID_ARGUMENT;
  static field(field: string, reason: string): InvalidArgumentError {
    return new InvalidArgumentError(`${field}: ${reason}`, [{ field, reason }]);
  }
}
/** NOT_FOUND: the resource does not exist, or belongs to another tenant. */
export class NotFoundError extends CityMLError {
  readonly code = status.NOT_FOUND;
}
/** ALREADY_EXISTS: a unique name is taken. */
export class AlreadyExistsError extends CityMLError {
  readonly code = status.ALREADY_EXISTS;
}
/** FAILED_PRECONDITION: the resource is not in a state that allows the call. */
export class FailedPreconditionError extends CityMLError {
  readonly code = status.FAILED_PRECONDITION;
}
/** ABORTED: a concurrent change won; retrying may succeed. */
export class AbortedError extends CityMLError {
  readonly code = status.ABORTED;
}
/** UNAUTHENTICATED: missing, unknown, revoked or expired credentials. */
export class UnauthenticatedError extends CityMLError {
  readonly code = status.UNAUTHENTICATED;
}
/** PERMISSION_DENIED: the caller's role is too low for the call. */
export class PermissionDeniedError extends CityMLError {
  readonly code = status.PERMISSION_DENIED;
}
/** RESOURCE_EXHAUSTED: a limit or rate limit was hit. */
export class ResourceExhaustedError extends CityMLError {
  readonly code = status.RESOURCE_EXHAUSTED;
}
/** UNAVAILABLE: a dependency (database, another service, a model load) is down. */
export class UnavailableError extends CityMLError {
  readonly code = status.UNAVAILABLE;
}
/** DEADLINE_EXCEEDED: the call's deadline passed. */
export class DeadlineExceededError extends CityMLError {
  readonly code = status.DEADLINE_EXCEEDED;
}
/** CANCELLED: the caller went away. */
export class CancelledError extends CityMLError {
  readonly code = status.CANCELLED;
}
/** UNIMPLEMENTED: the RPC is not offered (yet) by this server. */
export class UnimplementedError extends CityMLError {
  readonly code = status.UNIMPLEMENTED;
}

/** Postgres SQLSTATE classes that mean "the database is not reachable or is shutting down". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/** True when `err` is a gRPC ServiceError (from a call to another service). */
function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && 'metadata' in err && typeof (err as ServiceError).code === 'number';
}

/**
 * Converts anything thrown by a handler into the gRPC error sent to the caller.
 * CityMLErrors keep their code, message and details; a database outage becomes
 * UNAVAILABLE; errors from calls to other services keep their code; anything else is
 * INTERNAL "internal error" (the cause is for the log only).
 */
export function toServiceError(err: unknown): { error: Partial<ServiceError>; internal: boolean } {
  if (err instanceof CityMLError) {
    const metadata = new Metadata();
    if (err.details.length) metadata.set(ERROR_DETAILS_KEY, Buffer.from(JSON.stringify(err.details)));
    return { error: { code: err.code, details: err.message, message: err.message, metadata }, internal: false };
  }
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || NETWORK_CODES.has(code))) {
    return { error: { code: status.UNAVAILABLE, details: 'database unavailable' }, internal: true };
  }
  if (isServiceError(err) && err.code !== status.INTERNAL && err.code !== status.UNKNOWN) {
    return { error: { code: err.code, details: err.details, metadata: err.metadata }, internal: false };
  }
  return { error: { code: status.INTERNAL, details: 'internal error' }, internal: true };
}
