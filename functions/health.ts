// HTTP: GET /health (open)
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('health', { getHealth: async () => ({ status: 'ok' }) });
