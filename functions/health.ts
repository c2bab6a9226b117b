// HTTP: GET /health (open)
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction({
  'GET /health': { handle: async () => ({ status: 200, body: { status: 'ok' } }) },
});
