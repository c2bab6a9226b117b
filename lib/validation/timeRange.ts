// A list's from and to: times JavaScript can read, as ISO strings, in order. The schema's date-time also
// takes a leap second (23:59:60), which Date cannot read.
import { badRequest } from '../errors';

function readTime(value: string | undefined, name: 'from' | 'to'): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw badRequest(`${name} is not a valid time`, [{ path: `/${name}`, message: 'must be an ISO 8601 date-time' }]);
  return time.toISOString();
}

export function timeRange(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  const range = { from: readTime(from, 'from'), to: readTime(to, 'to') };
  if (range.from && range.to && range.from > range.to)
    throw badRequest('from is after to; swap them or widen the range', [{ path: '/from', message: 'must not be after to' }]);
  return range;
}
