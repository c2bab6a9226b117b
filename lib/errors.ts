// Typed domain errors. Each carries a stable code; functions/http/errorHandler.ts maps codes to HTTP status.

export interface ErrorDetail {
  path: string;
  message: string;
}

export type ErrorCode =
  | 'BadRequest'
  | 'ValidationFailed'
  | 'Unauthorized'
  | 'Forbidden'
  | 'WrongWorkspace'
  | 'NotFound'
  | 'Conflict'
  | 'NotRecallable'
  | 'EventIdReused'
  | 'PayloadTooLarge'
  | 'Unprocessable'
  | 'TryAgainLater';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = code;
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new DomainError('BadRequest', message, details);
export const validationFailed = (message: string, details: ErrorDetail[]) => new DomainError('ValidationFailed', message, details);
export const unauthorized = (message: string) => new DomainError('Unauthorized', message);
export const forbidden = (message: string) => new DomainError('Forbidden', message);
export const wrongWorkspace = (message: string) => new DomainError('WrongWorkspace', message);
export const notFound = (message: string) => new DomainError('NotFound', message);
export const conflict = (message: string, details: ErrorDetail[] = []) => new DomainError('Conflict', message, details);
export const notRecallable = (message: string) => new DomainError('NotRecallable', message);
export const eventIdReused = (eventId: string) =>
  new DomainError('EventIdReused', `Event ${eventId} was already accepted with a different payload; give this report a new eventId`, [
    { path: '/eventId', message: 'was used before for a different event' },
  ]);
export const payloadTooLarge = (message: string, details: ErrorDetail[] = []) => new DomainError('PayloadTooLarge', message, details);
export const unprocessable = (message: string, details: ErrorDetail[] = []) => new DomainError('Unprocessable', message, details);
/** A 503: for callers that retry only on 5xx (the tools' webhooks), where a 409 would end their retries. */
export const tryAgainLater = (message: string) => new DomainError('TryAgainLater', message);
