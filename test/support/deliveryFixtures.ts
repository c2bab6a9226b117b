// Robots, templates, jobs and rules for the worker's unit tests (plain data, no DynamoDB).
import type { PushJob } from '../../schemas/pushJob';
import type { DeliveryRules } from '../../lib/delivery/decidePushStep';
import type { Robot } from '../../lib/domain/robot';
import type { Template } from '../../lib/domain/template';

const channelRules = { limit: { messages: 2, windowMs: 10_000, marginMs: 500 }, throttleCooldownMs: 60_000 };

export const rules: DeliveryRules = {
  channels: { dingtalk: channelRules, wecom: channelRules, feishu: channelRules, 'dingtalk-app': channelRules },
  inlineWaitMs: 3000,
  retryWindowMs: 24 * 3_600_000,
  retryBaseSeconds: 5,
  retryMaxSeconds: 900,
};

export const robotFixture = (fields: Partial<Robot> = {}): Robot => ({
  id: 'robot-1',
  workspaceId: 'default',
  name: 'Sales',
  channel: 'dingtalk',
  webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
  templateId: 'template-1',
  reports: ['sales'],
  keywords: [],
  enabled: true,
  onUncertain: 'resend',
  consecutiveFailures: 0,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});

export const templateFixture = (fields: Partial<Template> = {}): Template =>
  ({
    id: 'template-1',
    name: 'Daily',
    msgType: 'text',
    text: 'Report {{reportName}}: {{data.total}}',
    version: 1,
    robotCount: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  }) as Template;

export const jobFixture = (n = 1, robotId = 'robot-1'): PushJob => ({
  recordId: `record-${robotId}-${n}`,
  robotId,
  report: { eventId: `event-${n}`, reportId: 'sales', reportName: 'Sales', data: { total: n } },
});
