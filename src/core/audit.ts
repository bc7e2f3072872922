import type { AuditRecord } from './model.js';
import type { Store } from './repositories.js';

/**
 * The audit trail: every mutating call and every rejection of one, every console session event.
 * Callers pass only non-secret facts; records are written in their own transaction so that a
 * rejected call (whose own transaction rolled back) is still recorded.
 */
export class AuditLog {
  constructor(private readonly store: Store) {}

  record(record: AuditRecord): Promise<void> {
    return this.store.repos.audit.insert(record);
  }

  list(filter: { resourceId?: string; since?: number; limit?: number }): Promise<AuditRecord[]> {
    return this.store.repos.audit.list(filter);
  }
}
