// Ready templates for the tools' events, in the wording a DingTalk group reads, in Chinese and English.
// They read the fields lib/sources/toolEvents.ts gives each source; mentions come from the event itself.
import type { TemplateInput } from '../../schemas/template';
import type { ToolSource } from '../../schemas/sources';
import { toolEvent, type ToolEvent } from '../sources/toolEvents';

export const starterLanguages = ['zh-CN', 'en'] as const;
export type StarterLanguage = (typeof starterLanguages)[number];

export interface Starter {
  id: ToolSource;
  /** The reportId its events carry: a robot subscribes to it. */
  reportId: string;
  templates: Record<StarterLanguage, TemplateInput>;
  /** An event as this source's webhook gives it: the console previews the starter with it. */
  sample: ToolEvent;
}

const sampleAlertGroup = {
  version: '4',
  status: 'firing',
  receiver: 'dingpush',
  groupLabels: { alertname: 'OrdersPipelineStalled' },
  commonLabels: { alertname: 'OrdersPipelineStalled', severity: 'page' },
  commonAnnotations: { summary: 'No orders loaded for 15 minutes' },
  externalURL: 'https://alertmanager.example.com',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'OrdersPipelineStalled', severity: 'page', instance: 'etl-1' },
      annotations: { summary: 'No orders loaded for 15 minutes' },
      startsAt: '2026-12-01T08:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://prometheus.example.com/graph?g0.expr=orders_loaded',
    },
  ],
};

function alertStarter(source: 'alertmanager' | 'grafana', tool: string): Starter {
  return {
    id: source,
    reportId: `${source}:<receiver>`,
    sample: toolEvent[source](sampleAlertGroup as never),
    templates: {
      'zh-CN': {
        name: `${tool} 告警`,
        msgType: 'markdown',
        title: '{{#isFiring}}【告警】{{/isFiring}}{{#isResolved}}【已恢复】{{/isResolved}}{{reportName}}',
        text: [
          '### {{#isFiring}}🔴 告警触发{{/isFiring}}{{#isResolved}}🟢 告警已恢复{{/isResolved}}：{{reportName}}',
          '',
          '告警中 {{firingCount}} 条，已恢复 {{resolvedCount}} 条',
          '{{#alerts}}',
          '',
          '---',
          '**{{#isFiring}}告警中{{/isFiring}}{{#isResolved}}已恢复{{/isResolved}}**：{{labels.alertname}}',
          '',
          '{{#annotations.summary}}> {{annotations.summary}}',
          '',
          '{{/annotations.summary}}{{#annotations.description}}{{annotations.description}}',
          '',
          '{{/annotations.description}}{{#labelList}}- {{name}}：{{value}}',
          '{{/labelList}}',
          '',
          '开始时间：{{startsAt}}{{#isResolved}}，恢复时间：{{endsAt}}{{/isResolved}}',
          '{{#generatorURL}}',
          '',
          '[查看详情]({{{generatorURL}}}){{/generatorURL}}',
          '{{/alerts}}',
          '{{#truncatedAlerts}}',
          '',
          '另有 {{truncatedAlerts}} 条告警未列出{{/truncatedAlerts}}',
        ].join('\n'),
      },
      en: {
        name: `${tool} alert`,
        msgType: 'markdown',
        title: '{{#isFiring}}[Alert] {{/isFiring}}{{#isResolved}}[Resolved] {{/isResolved}}{{reportName}}',
        text: [
          '### {{#isFiring}}🔴 Alert firing{{/isFiring}}{{#isResolved}}🟢 Alert resolved{{/isResolved}}: {{reportName}}',
          '',
          '{{firingCount}} firing, {{resolvedCount}} resolved',
          '{{#alerts}}',
          '',
          '---',
          '**{{#isFiring}}Firing{{/isFiring}}{{#isResolved}}Resolved{{/isResolved}}**: {{labels.alertname}}',
          '',
          '{{#annotations.summary}}> {{annotations.summary}}',
          '',
          '{{/annotations.summary}}{{#annotations.description}}{{annotations.description}}',
          '',
          '{{/annotations.description}}{{#labelList}}- {{name}}: {{value}}',
          '{{/labelList}}',
          '',
          'Started {{startsAt}}{{#isResolved}}, resolved {{endsAt}}{{/isResolved}}',
          '{{#generatorURL}}',
          '',
          '[Details]({{{generatorURL}}}){{/generatorURL}}',
          '{{/alerts}}',
          '{{#truncatedAlerts}}',
          '',
          '{{truncatedAlerts}} more alerts not listed{{/truncatedAlerts}}',
        ].join('\n'),
      },
    },
  };
}

const supersetStarter: Starter = {
  id: 'superset',
  reportId: 'superset:<report name>',
  sample: toolEvent.superset({ name: 'Weekly sales', header: { notification_type: 'Report', notification_source: 'dashboard', dashboard_id: 12 }, description: 'Sales by region, last 7 days', url: 'https://superset.example.com/superset/dashboard/12/' } as never),
  templates: {
    'zh-CN': {
      name: 'Superset 报表',
      msgType: 'markdown',
      title: '📊 {{reportName}}',
      text: '### 📊 {{reportName}}\n\n{{#description}}{{description}}\n\n{{/description}}{{#image}}![{{name}}]({{{url}}})\n\n{{/image}}{{#url}}[在 Superset 中查看]({{{url}}}){{/url}}',
    },
    en: {
      name: 'Superset report',
      msgType: 'markdown',
      title: '📊 {{reportName}}',
      text: '### 📊 {{reportName}}\n\n{{#description}}{{description}}\n\n{{/description}}{{#image}}![{{name}}]({{{url}}})\n\n{{/image}}{{#url}}[Open in Superset]({{{url}}}){{/url}}',
    },
  },
};

const metabaseStarter: Starter = {
  id: 'metabase',
  reportId: 'metabase:<alert id>',
  sample: toolEvent.metabase({
    type: 'alert',
    alert_id: 7,
    alert_creator_name: 'Li Lei',
    data: { type: 'question', question_id: 42, question_name: 'Daily orders', question_url: 'https://metabase.example.com/question/42', raw_data: { cols: ['DATE', 'count'], rows: [['2026-12-01', 1289]] } },
    sent_at: '2026-12-01T09:00:00Z',
  } as never),
  templates: {
    'zh-CN': {
      name: 'Metabase 提醒',
      msgType: 'markdown',
      title: '📈 {{reportName}}',
      text: '### 📈 {{reportName}}\n\nMetabase 提醒已触发{{#alert_creator_name}}（创建人：{{alert_creator_name}}）{{/alert_creator_name}}，共 {{rowCount}} 行结果\n\n{{#image}}![{{name}}]({{{url}}})\n\n{{/image}}{{#url}}[在 Metabase 中查看]({{{url}}}){{/url}}',
    },
    en: {
      name: 'Metabase alert',
      msgType: 'markdown',
      title: '📈 {{reportName}}',
      text: '### 📈 {{reportName}}\n\nMetabase alert triggered{{#alert_creator_name}} (set up by {{alert_creator_name}}){{/alert_creator_name}}, {{rowCount}} rows\n\n{{#image}}![{{name}}]({{{url}}})\n\n{{/image}}{{#url}}[Open in Metabase]({{{url}}}){{/url}}',
    },
  },
};

export const starters: Starter[] = [alertStarter('alertmanager', 'Alertmanager'), alertStarter('grafana', 'Grafana'), supersetStarter, metabaseStarter];
