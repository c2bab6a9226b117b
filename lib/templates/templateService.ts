// Template use cases: create (also from a starter), read, list, replace, delete and preview.
import { randomUUID } from 'node:crypto';
import type {
  CreateFromStarterInput,
  DraftPreviewInput,
  ListTemplatesQuery,
  TemplateInput,
  TemplatePreviewInput,
} from '../../schemas/template';
import { messageBytes, type RenderedMessage } from '../channels/message';
import { renderDigest } from '../render/digest';
import { conflict, notFound, validationFailed, type ErrorDetail } from '../errors';
import { mustacheSyntaxError } from '../render/boundedMustache';
import { renderMessage, templateForChannel, type ReportView } from '../render/renderMessage';
import { adapterOf, defaultChannel, type Channel, type ChannelMessage } from '../channels';
import { robotsStore } from '../store/robotsStore';
import type { Robot } from '../domain/robot';
import { templatesStore, type TemplateRefusal, type TemplateWrite } from '../store/templatesStore';
import type { Template } from '../domain/template';
import { starters } from './starters';
import { auditEvent, changesBetween, type AuditAction } from '../audit/auditEvent';
import type { Caller } from '../domain/caller';

/** Every Mustache source field of a template, with the JSON path an error should point at. */
function sourceFields(input: TemplateInput): [string, string][] {
  return [
    ['/title', input.title],
    ['/text', input.text],
    ['/messageUrl', input.messageUrl],
    ['/picUrl', input.picUrl],
    ...(input.buttons ?? []).flatMap((b, i) => [
      [`/buttons/${i}/title`, b.title],
      [`/buttons/${i}/url`, b.url],
    ]),
    ['/digest/title', input.digest?.title],
    ['/digest/line', input.digest?.line],
    ...(input.links ?? []).flatMap((l, i) => [
      [`/links/${i}/title`, l.title],
      [`/links/${i}/messageUrl`, l.messageUrl],
      [`/links/${i}/picUrl`, l.picUrl],
    ]),
  ].filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

function assertValidMustache(input: TemplateInput): void {
  const overrides = Object.entries(input.channels ?? {}).flatMap(([channel, override]) =>
    sourceFields({ name: input.name, ...override }).map(([path, source]): [string, string] => [`/channels/${channel}${path}`, source]),
  );
  const details: ErrorDetail[] = [...sourceFields(input), ...overrides].flatMap(([path, source]) => {
    const problem = mustacheSyntaxError(source);
    return problem ? [{ path, message: `is not valid Mustache: ${problem}` }] : [];
  });
  if (details.length > 0) {
    throw validationFailed(`The template is not valid Mustache: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
}

/** Keeps only the fields that belong to the template's msgType, so a stored template says exactly what it renders. */
function normalize(input: TemplateInput): TemplateInput {
  const overrides = Object.entries(input.channels ?? {}).map(([channel, override]) => {
    const { name: _name, ...message } = byMsgType({ name: input.name, ...override });
    return [channel, message];
  });
  return {
    ...byMsgType(input),
    ...(input.digest && { digest: input.digest }),
    ...(overrides.length > 0 && { channels: Object.fromEntries(overrides) }),
  };
}

function byMsgType(input: TemplateInput): TemplateInput {
  const { name, msgType, title, text, messageUrl, picUrl, buttons, btnOrientation, links } = input;
  switch (msgType) {
    case 'text':
      return { name, msgType, text };
    case 'markdown':
      return { name, msgType, title, text };
    case 'link':
      return { name, msgType, title, text, messageUrl, ...(picUrl !== undefined && { picUrl }) };
    case 'actionCard':
      return { name, msgType, title, text, buttons, ...(btnOrientation !== undefined && { btnOrientation }) };
    case 'feedCard':
      return { name, msgType, links };
  }
}

/** A template's audit event: what changed in it. */
const templateAudit = (caller: Caller, action: AuditAction, before: Template | undefined, after: Template | undefined) => {
  const template = (after ?? before)!;
  return auditEvent(
    caller,
    action,
    { id: template.id, name: template.name },
    changesBetween(before, after, { ignore: ['id', 'workspaceId', 'version', 'robotCount', 'createdAt', 'updatedAt'] }),
  );
};

export async function createTemplate(caller: Caller, input: TemplateInput): Promise<Template> {
  assertValidMustache(input);
  const now = new Date().toISOString();
  const template = {
    ...normalize(input),
    id: randomUUID(),
    workspaceId: caller.workspaceId,
    version: 1,
    robotCount: 0,
    createdAt: now,
    updatedAt: now,
  };
  return storedOrThrow(await templatesStore.create(template, templateAudit(caller, 'template.create', undefined, template)), template);
}

/** Starters' templates are created like any other: a name already taken is a 409 naming it. */
export async function createTemplateFromStarter(caller: Caller, starterId: string, input: CreateFromStarterInput): Promise<Template> {
  const starter = starters.find((candidate) => candidate.id === starterId);
  if (!starter)
    throw notFound(`No starter with id ${starterId}; GET /template-starters lists them (${starters.map((known) => known.id).join(', ')})`);
  const template = starter.templates[input.language ?? 'zh-CN'];
  return createTemplate(caller, { ...template, ...(input.name && { name: input.name }) });
}

export async function getTemplate(caller: Caller, id: string): Promise<Template> {
  const template = await templatesStore.getIn(caller.workspaceId, id);
  if (!template) throw notFound(`No template with id ${id}`);
  return template;
}

export async function listTemplates(caller: Caller, query: ListTemplatesQuery) {
  return templatesStore.list(caller.workspaceId, { keyword: query.keyword, limit: query.limit ?? 20, cursor: query.cursor });
}

export async function replaceTemplate(caller: Caller, id: string, input: TemplateInput): Promise<Template> {
  assertValidMustache(input);
  const previous = await getTemplate(caller, id);
  const next = {
    ...normalize(input),
    id,
    workspaceId: previous.workspaceId,
    version: previous.version + 1,
    robotCount: previous.robotCount,
    createdAt: previous.createdAt,
    updatedAt: new Date().toISOString(),
  };
  return storedOrThrow(await templatesStore.replace(previous, next, templateAudit(caller, 'template.update', previous, next)), next);
}

export async function deleteTemplate(caller: Caller, id: string): Promise<void> {
  const template = await getTemplate(caller, id);
  if (await templatesStore.delete(template, templateAudit(caller, 'template.delete', template, undefined))) return;
  const current = await getTemplate(caller, id);
  throw conflict(`Template "${current.name}" is used by ${current.robotCount} robot(s); point them at another template first`);
}

const refusals: Record<TemplateRefusal, (template: Template) => Error> = {
  'name-taken': (template) =>
    conflict(`A template named "${template.name}" already exists; choose another name`, [
      { path: '/name', message: 'is already used by another template' },
    ]),
  changed: () => conflict('The template changed while you edited it; load it again and retry'),
};

/** The template as stored, or the store's refusal as the error that explains it. */
function storedOrThrow(write: TemplateWrite, template: Template): Template {
  if ('refused' in write) throw refusals[write.refused](template);
  return write.stored;
}

export interface Preview {
  /** The exact body the channel's robot would be sent. */
  message: ChannelMessage;
  channel: Channel;
  bytes: number;
  warnings: string[];
  digest?: { message: ChannelMessage; bytes: number };
}

/** Renders sample data exactly as the worker would; warnings instead of errors, so an admin can see the problem. */
export async function previewTemplate(caller: Caller, id: string, input: TemplatePreviewInput): Promise<Preview> {
  return preview(caller, await getTemplate(caller, id), input);
}

export async function previewDraft(caller: Caller, input: DraftPreviewInput): Promise<Preview> {
  assertValidMustache(input.template);
  return preview(caller, normalize(input.template), input);
}

const eventFields = new Set(['eventId', 'reportId', 'reportName', 'occurredAt', 'url', 'images']);

/**
 * The report event a push would render, from a sample event (`{reportName, url, data: {...}}`, as the BI
 * platform sends it). Missing event fields get placeholders; fields no event has are taken as report
 * data, so the flat form `{total: 42}` renders as `{data: {total: 42}}` would.
 */
function sampleReport(sample: Record<string, unknown>): ReportView {
  // a sample's images render as the URLs they give; bytes are never stored for a preview
  if (Array.isArray(sample.images))
    sample = {
      ...sample,
      images: sample.images
        .filter((image): image is { name?: string; url: string } => typeof image?.url === 'string')
        .map((image, index) => ({ name: image.name ?? `image-${index + 1}`, url: image.url })),
    };
  const event: Record<string, unknown> = {};
  const data: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sample)) {
    if (eventFields.has(name)) event[name] = value;
    else if (name !== 'data') data[name] = value;
  }
  const nested =
    sample.data && typeof sample.data === 'object' && !Array.isArray(sample.data) ? (sample.data as Record<string, unknown>) : {};
  return { eventId: 'preview', reportId: 'preview', reportName: 'Preview', ...event, data: { ...data, ...nested } };
}

async function preview(caller: Caller, template: TemplateInput, input: TemplatePreviewInput): Promise<Preview> {
  const robot = input.robotId ? await robotsStore.getIn(caller.workspaceId, input.robotId) : undefined;
  if (input.robotId && !robot)
    throw validationFailed(`No robot with id ${input.robotId}`, [{ path: '/robotId', message: 'does not name an existing robot' }]);
  const channel = input.channel ?? robot?.channel ?? defaultChannel;
  const adapter = adapterOf(channel);
  const report = sampleReport((input.data ?? {}) as Record<string, unknown>);
  const rendered = renderMessage(templateForChannel(template, channel), report, robot ?? {});
  const message = adapter.toBody(rendered);
  const check = adapter.check(message, robot ?? {});
  const warnings = [...check.problems, ...adapter.previewWarnings({ template, rendered, check, report, robot })];
  return {
    message,
    channel,
    bytes: check.bytes,
    warnings,
    ...(input.digest && { digest: digestPreview(rendered, template, report, robot, channel) }),
  };
}

/** Three pushes of the sample event (`rendered`), merged as a robot with digests on would send them. */
function digestPreview(
  rendered: RenderedMessage,
  template: TemplateInput,
  report: ReportView,
  robot: Robot | undefined,
  channel: Channel,
): Preview['digest'] {
  const members = [1, 2, 3].map(() => ({ message: rendered, reportName: report.reportName ?? '' }));
  const { message } = renderDigest(members, template.digest, robot ?? { name: 'robot' }, channel);
  const body = adapterOf(channel).toBody(message);
  return { message: body, bytes: messageBytes(body) };
}
