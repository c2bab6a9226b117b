// How a list of push records is read: which index partitions hold every record a filter can match (as few
// and as narrow as possible), what each partition is asked, and the time cursor between pages.
import type { PushStatus } from '../../schemas/pushRecord';
import type { Channel } from '../channels';
import { badRequest } from '../errors';
import { idsWithNameContaining } from './namesStore';
import { recordIndexKeys, statusesIndexed, type IndexKey, type PartitionQuery } from './recordIndexes';

export interface RecordFilter {
  workspaceId: string;
  keyword?: string;
  robotId?: string;
  templateId?: string;
  status?: PushStatus;
  channel?: Channel;
  eventId?: string;
  from?: string;
  to?: string;
}

/** More partitions than this to merge and a keyword list reads the time index with a filter instead. */
const maxMergedPartitions = 48;
/** Ids that still fit a filter expression (DynamoDB allows 4 KB): beyond it the stored names are matched. */
const maxOwnersInFilter = 300;

/** Robots and templates whose records a broad keyword matches. */
interface Owners {
  robotIds: string[];
  templateIds: string[];
}

/** Where a list reads: index keys, and for a broad keyword the robots and templates to keep. */
interface Sources {
  sources: IndexKey[];
  owners?: Owners;
}

/** The records of these robots and templates: their partitions, or so many that one filtered pass over the time index reads less. */
function ownedBy(ws: string, robotIds: string[], templateIds: string[]): Sources {
  const sources = [...robotIds.map((id) => recordIndexKeys.robot(ws, id)), ...templateIds.map((id) => recordIndexKeys.template(ws, id))];
  if (sources.reduce((sum, source) => sum + source.partitions.length, 0) <= maxMergedPartitions) return { sources };
  return { sources: [recordIndexKeys.time(ws)], owners: { robotIds, templateIds } };
}

/** The index keys that hold every record the filter can match, as few and as narrow as possible. */
export async function sourcesFor(filter: RecordFilter): Promise<Sources> {
  const { workspaceId: ws, keyword, robotId, templateId, status, eventId } = filter;
  if (eventId) return { sources: [recordIndexKeys.event(ws, eventId)] };
  if (keyword) {
    // a record matches when its robot or its template has (or had) a name containing the keyword
    const [robots, templates] = await Promise.all([
      idsWithNameContaining(ws, 'robot', keyword),
      idsWithNameContaining(ws, 'template', keyword),
    ]);
    if (robotId) {
      const matches = robots.has(robotId) || (templateId !== undefined && templates.has(templateId));
      if (matches) return ownedBy(ws, [robotId], []);
      return ownedBy(ws, [], templateId ? [] : [...templates]);
    }
    if (templateId) return templates.has(templateId) ? ownedBy(ws, [], [templateId]) : ownedBy(ws, [...robots], []);
    return ownedBy(ws, [...robots], [...templates]);
  }
  if (robotId) return { sources: [recordIndexKeys.robot(ws, robotId)] };
  if (templateId) return { sources: [recordIndexKeys.template(ws, templateId)] };
  if (status && statusesIndexed.includes(status)) return { sources: [recordIndexKeys.status(ws, status)] };
  return { sources: [recordIndexKeys.time(ws)] };
}

/** What every partition of `source` is asked: the time range below the cursor and the remaining filters. */
export function partitionQuery(source: IndexKey, filter: RecordFilter, before: string | undefined, owners?: Owners): PartitionQuery {
  const values: Record<string, unknown> = { ':nowSeconds': Math.floor(Date.now() / 1000) };
  const names: Record<string, string> = {};
  const conditions = ['expiresAt > :nowSeconds'];
  if (owners && owners.robotIds.length + owners.templateIds.length <= maxOwnersInFilter) {
    // IN takes at most 100 operands: larger sets become several IN clauses joined by OR
    const clauses: string[] = [];
    let n = 0;
    const addIn = (attribute: string, ids: string[]) => {
      for (let start = 0; start < ids.length; start += 100) {
        const placeholders = ids.slice(start, start + 100).map((id) => {
          const placeholder = `:o${(n++).toString(36)}`;
          values[placeholder] = id;
          return placeholder;
        });
        clauses.push(`${attribute} IN (${placeholders.join(',')})`);
      }
    };
    addIn('robotId', owners.robotIds);
    addIn('templateId', owners.templateIds);
    conditions.push(`(${clauses.join(' OR ')})`);
  } else if (owners) {
    // so broad a keyword that the ids would not fit an expression (4 KB): match the names the records
    // were pushed under (a robot renamed to a matching name later is the one case this misses)
    conditions.push('(contains(robotNameLower, :keyword) OR contains(templateNameLower, :keyword))');
    values[':keyword'] = (filter.keyword ?? '').toLowerCase();
  }
  if (filter.robotId && source.attribute !== 'robotKey') {
    conditions.push('robotId = :robotId');
    values[':robotId'] = filter.robotId;
  }
  if (filter.templateId && source.attribute !== 'templateKey') {
    conditions.push('templateId = :templateId');
    values[':templateId'] = filter.templateId;
  }
  if (filter.channel) {
    conditions.push('#channel = :channel');
    values[':channel'] = filter.channel;
    names['#channel'] = 'channel';
  }
  if (filter.status && source.attribute !== 'statusKey') {
    conditions.push('#status = :status');
    values[':status'] = filter.status;
    names['#status'] = 'status';
  }
  const upper = [before, filter.to && `${filter.to}#\uffff`].filter((bound): bound is string => Boolean(bound)).sort()[0];
  let range = '';
  if (filter.from && upper) {
    range = ' AND listSk BETWEEN :lower AND :upper';
    Object.assign(values, { ':lower': filter.from, ':upper': upper });
  } else if (filter.from) {
    range = ' AND listSk >= :lower';
    values[':lower'] = filter.from;
  } else if (upper) {
    range = ' AND listSk <= :upper';
    values[':upper'] = upper;
  }
  // BETWEEN and <= include the cursor's own item, which ended the previous page
  return {
    range,
    ...(before && { skipListSk: before }),
    FilterExpression: conditions.join(' AND '),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ExpressionAttributeValues: values,
  };
}

const cursorPosition = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[\w-]+$/;

export function decodeTimeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'string' && cursorPosition.test(parsed.before)) return parsed.before;
  } catch {
    // not base64 JSON: refused below
  }
  throw badRequest('The cursor is not one this API issued; start again without it', [
    { path: '/cursor', message: 'is not a cursor from a previous page of this list' },
  ]);
}
