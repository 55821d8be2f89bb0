import type { Authenticator, Principal } from '../context';
import { authorize } from './roles';
import { ResourceExhaustedError } from '../errors';

export interface RateLimitOptions {
  /** Tokens added per second per key (calls per second sustained); 0 turns the limit off. */
  ratePerSecond: number;
  /** Bucket size: the burst a key may spend at once. */
  burst: number;
  /** Most buckets kept (least recently used are dropped). */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per API key (per principal subject) in this process. Platform service
 * identities are not limited (their callers already were).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when a limit is configured. */
  get enabled(): boolean {
    return this.options.ratePerSecond > 0;
  }

  /**
   * Takes one token for `principal`'s key.
   * @throws ResourceExhaustedError when its bucket is empty.
   */
  take(principal: Principal): void {
    if (!this.enabled || principal.service) return;
    const key = `${principal.tenant}/${principal.subject}`;
    const t = this.now();
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key);
    else b = { tokens: this.options.burst, at: t };
    b.tokens = Math.min(this.options.burst, b.tokens + ((t - b.at) / 1000) * this.options.ratePerSecond);
    b.at = t;
    this.buckets.set(key, b); // most recently used last
    if (this.buckets.size > (this.options.maxKeys ?? 100_000)) this.buckets.delete(this.buckets.keys().next().value as string);
    if (b.tokens < 1) {
      const waitMs = Math.ceil(((1 - b.tokens) / this.options.ratePerSecond) * 1000);
      throw new ResourceExhaustedError(`rate limit of ${this.options.ratePerSecond} calls/s for this API key exceeded; retry in ${waitMs} ms`);
    }
    b.tokens -= 1;
  }
}

/**
 * The check every call passes before its handler: the principal from `authenticate`,
 * then the role table ({@link authorize}: PERMISSION_DENIED), then the per-key rate
 * limit (RESOURCE_EXHAUSTED). The gRPC server applies it to every RPC; other bindings
 * (the OIP HTTP/JSON port) get it as `ServiceDeps.authenticate`.
 */
export function guardCalls(authenticate: Authenticator, limiter?: RateLimiter): Authenticator {
  return async (metadata, method) => {
    const principal = await authenticate(metadata, method);
    authorize(principal, method);
    limiter?.take(principal);
    return principal;
  };
}
