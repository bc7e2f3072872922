/**
 * Domain errors: a small closed set of kinds, each with a stable domain code. Dialects map the code
 * (falling back to the kind) to their own wire code and HTTP status in one table each, so core
 * never knows how Alibaba or Baidu spell an error.
 */
export type ErrorKind =
  'notFound' | 'invalidState' | 'invalidValue' | 'conflict' | 'forbidden' | 'locked' | 'throttled' | 'internal';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable, dialect-neutral name of the rule that failed, e.g. 'InstanceNotFound'. */
    readonly code: string,
    message: string,
    /** The parameter or field the error is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (code: string, message: string) => new DomainError('notFound', code, message);
export const invalidState = (code: string, message: string) => new DomainError('invalidState', code, message);
export const invalidValue = (code: string, message: string, field?: string) =>
  new DomainError('invalidValue', code, message, field);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
