import { AsyncLocalStorage } from 'node:async_hooks';

/** What a service adds to the audit record of the call it is serving. */
export interface AuditDetails {
  /** The actor, when the route itself establishes it (e.g. login). */
  actor?: { id: string; email: string } | null;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

const scope = new AsyncLocalStorage<AuditDetails>();

/**
 * Services describe what an audited call changed; the AuditInterceptor writes one record per call
 * with these details, on success and on failure alike. Outside an audited call this does nothing.
 */
export const AuditTrail = {
  describe(details: AuditDetails): void {
    const current = scope.getStore();
    if (current) Object.assign(current, details, { details: { ...current.details, ...details.details } });
  },
  run<T>(details: AuditDetails, fn: () => T): T {
    return scope.run(details, fn);
  },
};
