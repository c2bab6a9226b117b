// Ready templates, in the wording a DingTalk group reads, in Chinese and English: three for the BI
// platform's own report events, one per tool for its webhook (reading the fields lib/sources/toolEvents.ts
// gives each source). Mentions come from the robot and the event, not from the template.
import type { TemplateInput } from '../../schemas/template';
import type { ToolSource } from '../../schemas/sources';
import { toolEvent, type ToolEvent } from '../sources/toolEvents';

export const starterLanguages = ['zh-CN', 'en'] as const;
export type StarterLanguage = (typeof starterLanguages)[number];

export interface Starter {
  id: string;
  /** The tool whose webhook events it reads; none for the BI platform's report events. */
  source?: ToolSource;
  /** The reportId its events carry: a robot subscribes to it. */
  reportId: string;
  templates: Record<StarterLanguage, TemplateInput>;
  /** An event as it arrives (for a tool, as its webhook gives it): the console previews the starter with it. */
  samples: Record<StarterLanguage, ToolEvent>;
}

const both = (sample: ToolEvent): Record<StarterLanguage, ToolEvent> => ({ 'zh-CN': sample, en: sample });
/** Where a sample's screenshot would be; the console shows a picture of its own there. */
export const sampleImageUrl = 'https://sample.dingpush.invalid/kpi.png';

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
    source,
    reportId: `${source}:<receiver>`,
    samples: both(toolEvent[source](sampleAlertGroup as never)),
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
  source: 'superset',
  reportId: 'superset:<report name>',
  samples: both(
    toolEvent.superset({
      name: 'Weekly sales',
      header: { notification_type: 'Report', notification_source: 'dashboard', dashboard_id: 12 },
      description: 'Sales by region, last 7 days',
      url: 'https://superset.example.com/superset/dashboard/12/',
    } as never),
  ),
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
  source: 'metabase',
  reportId: 'metabase:<alert id>',
  samples: both(
    toolEvent.metabase({
      type: 'alert',
      alert_id: 7,
      alert_creator_name: 'Li Lei',
      data: {
        type: 'question',
        question_id: 42,
        question_name: 'Daily orders',
        question_url: 'https://metabase.example.com/question/42',
        raw_data: { cols: ['DATE', 'count'], rows: [['2026-12-01', 1289]] },
      },
      sent_at: '2026-12-01T09:00:00Z',
    } as never),
  ),
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

const dailyReportStarter: Starter = {
  id: 'daily-report',
  reportId: '<your report id>',
  templates: {
    'zh-CN': {
      name: '每日报表',
      msgType: 'markdown',
      title: '📅 {{reportName}}',
      text: '### 📅 {{reportName}}\n\n{{#data.summary}}{{data.summary}}\n\n{{/data.summary}}{{#data.metrics}}- {{name}}：**{{value}}**\n{{/data.metrics}}\n{{#url}}[查看完整报表]({{{url}}}){{/url}}',
    },
    en: {
      name: 'Daily report',
      msgType: 'markdown',
      title: '📅 {{reportName}}',
      text: '### 📅 {{reportName}}\n\n{{#data.summary}}{{data.summary}}\n\n{{/data.summary}}{{#data.metrics}}- {{name}}: **{{value}}**\n{{/data.metrics}}\n{{#url}}[Open the full report]({{{url}}}){{/url}}',
    },
  },
  samples: {
    'zh-CN': {
      reportId: 'daily-sales',
      reportName: '每日销售日报',
      url: 'https://bi.example.com/reports/daily-sales',
      data: {
        summary: '昨日销售额环比增长 8.2%',
        metrics: [
          { name: '销售额', value: '¥1,284,300' },
          { name: '订单数', value: '9,812' },
          { name: '客单价', value: '¥130.9' },
        ],
      },
    },
    en: {
      reportId: 'daily-sales',
      reportName: 'Daily sales',
      url: 'https://bi.example.com/reports/daily-sales',
      data: {
        summary: 'Sales up 8.2% on the day before',
        metrics: [
          { name: 'Revenue', value: '$184,300' },
          { name: 'Orders', value: '9,812' },
          { name: 'Average order', value: '$18.80' },
        ],
      },
    },
  },
};

const kpiCardStarter: Starter = {
  id: 'kpi-card',
  reportId: '<your report id>',
  templates: {
    'zh-CN': {
      name: 'KPI 卡片（含截图）',
      msgType: 'markdown',
      title: '{{reportName}}：{{data.value}}',
      text: '### {{reportName}}\n\n## **{{data.value}}**\n\n{{data.change}}\n\n{{#image}}![{{name}}]({{{url}}})\n\n{{/image}}{{#url}}[查看报表]({{{url}}}){{/url}}',
    },
    en: {
      name: 'KPI card with screenshot',
      msgType: 'markdown',
      title: '{{reportName}}: {{data.value}}',
      text: '### {{reportName}}\n\n## **{{data.value}}**\n\n{{data.change}}\n\n{{#image}}![{{name}}]({{{url}}})\n\n{{/image}}{{#url}}[Open the report]({{{url}}}){{/url}}',
    },
  },
  samples: {
    'zh-CN': {
      reportId: 'gmv',
      reportName: '本月 GMV',
      url: 'https://bi.example.com/reports/gmv',
      data: { value: '¥38.6M', change: '较上月 ▲ 12.4%' },
      images: [{ name: 'GMV 趋势.png', url: sampleImageUrl }],
    },
    en: {
      reportId: 'gmv',
      reportName: 'GMV this month',
      url: 'https://bi.example.com/reports/gmv',
      data: { value: '$5.4M', change: '▲ 12.4% on last month' },
      images: [{ name: 'GMV trend.png', url: sampleImageUrl }],
    },
  },
};

const alertStarterForReports: Starter = {
  id: 'alert',
  reportId: '<your report id>',
  templates: {
    'zh-CN': {
      name: '数据告警',
      msgType: 'text',
      text: '【{{data.level}}】{{reportName}}\n{{data.message}}\n{{#url}}详情：{{{url}}}{{/url}}',
    },
    en: {
      name: 'Data alert',
      msgType: 'text',
      text: '[{{data.level}}] {{reportName}}\n{{data.message}}\n{{#url}}Details: {{{url}}}{{/url}}',
    },
  },
  samples: {
    'zh-CN': {
      reportId: 'orders-check',
      reportName: '订单数据异常',
      url: 'https://bi.example.com/checks/orders',
      data: { level: '严重', message: '今日 10:00 起订单量低于近 7 日同期 40%' },
    },
    en: {
      reportId: 'orders-check',
      reportName: 'Orders look wrong',
      url: 'https://bi.example.com/checks/orders',
      data: { level: 'Critical', message: 'Orders since 10:00 are 40% below the same hours of the last 7 days' },
    },
  },
};

export const starters: Starter[] = [
  dailyReportStarter,
  kpiCardStarter,
  alertStarterForReports,
  alertStarter('alertmanager', 'Alertmanager'),
  alertStarter('grafana', 'Grafana'),
  supersetStarter,
  metabaseStarter,
];
