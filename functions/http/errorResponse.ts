// The one place errors become HTTP: domain errors by code, anything else a 500 without internals.
import type { Request } from '@middy/core';
import { DomainError, type ErrorCode } from '../../lib/errors';
import { log } from '../../lib/log';

const statusByCode: Record<ErrorCode, number> = {
  BadRequest: 400,
  ValidationFailed: 400,
  Unauthorized: 401,
  Forbidden: 403,
  WrongWorkspace: 403,
  NotFound: 404,
  Conflict: 409,
  NotRecallable: 409,
  EventIdReused: 409,
  PayloadTooLarge: 413,
  Unprocessable: 422,
  TryAgainLater: 503,
};

export async function errorResponse(request: Request): Promise<void> {
  const error = request.error;
  if (error instanceof DomainError) {
    request.response = {
      statusCode: statusByCode[error.code],
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }),
    };
    return;
  }
  log.error('unhandled error', { error, requestId: request.context?.awsRequestId });
  request.response = {
    statusCode: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: { code: 'Internal', message: 'Something went wrong on our side; the request was not completed. Try again.', details: [] },
    }),
  };
}
