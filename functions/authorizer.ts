// API Gateway's Lambda authorizers (REQUEST type, simple responses, cached per token for a minute), one
// per scope, so every route but the open ones carries an authorization type and no function checks a
// token. A refusal is passed on as the verdict rather than answered here: HTTP APIs answer a denial with
// their own 403 body, while the contract promises 401 for an unknown token and the error envelope for both.
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { verdictFor, type Scope } from '../lib/auth/tokens';
import { header } from './http/header';

export type AuthorizerContext =
  { grants: Scope; allowed: true; scope: Scope } | { grants: Scope; allowed: false; code: 'Unauthorized' | 'Forbidden'; message: string };

function authorizerFor(grants: Scope) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
    return { isAuthorized: true, context: { grants, ...(await verdictFor(header(event, 'authorization'), grants)) } };
  };
}

export const admin = authorizerFor('admin');
export const publisher = authorizerFor('publisher');
