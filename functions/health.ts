// HTTP: GET /health (open), and every path no route names: 404 in the error envelope (scripts/httpEvents.cjs)
import { httpFunction } from './http/httpFunction';

export const handler = httpFunction('health', { getHealth: async () => ({ status: 'ok' }) });
