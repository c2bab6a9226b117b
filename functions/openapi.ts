// HTTP: GET /openapi.json (open)
import { buildOpenApiDocument } from '../lib/openapi';
import { httpFunction } from './http/httpFunction';

const document = buildOpenApiDocument();

export const handler = httpFunction('openapi', { getOpenApiDocument: async () => document });
