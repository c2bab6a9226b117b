import { renderMessage, type RenderableTemplate } from '../../lib/render/renderMessage';
import { checkMessage } from '../../lib/channels/dingtalk';

const report = {
  eventId: 'e1',
  reportId: 'sales',
  reportName: 'Sales & Ops <daily>',
  url: 'https://bi.example/r?a=1&b=2',
  data: { total: 5, rows: [{ n: 'a' }, { n: 'b' }] },
};

describe('renderMessage', () => {
  it('renders text without HTML escaping', () => {
    const message = renderMessage({ name: 't', msgType: 'text', text: '{{reportName}} {{url}} {{total}}' }, report);
    expect(message).toEqual({ msgtype: 'text', text: { content: 'Sales & Ops <daily> https://bi.example/r?a=1&b=2 5' } });
  });

  it('renders markdown sections and appends missing @mentions', () => {
    const message = renderMessage(
      { name: 't', msgType: 'markdown', title: '{{reportName}}', text: '{{#data.rows}}- {{n}}\n{{/data.rows}}@138' },
      report,
      {
        mention: { atMobiles: ['138', '139'], atUserIds: ['u1'] },
      },
    );
    expect(message).toEqual({
      msgtype: 'markdown',
      markdown: { title: 'Sales & Ops <daily>', text: '- a\n- b\n@138\n\n@139 @u1' },
      at: { atMobiles: ['138', '139'], atUserIds: ['u1'], isAtAll: false },
    });
  });

  it("adds the event's mentions to the robot's, each once", () => {
    const template: RenderableTemplate = { name: 't', msgType: 'text', text: 'disk full @13800000000' };
    const message = renderMessage(
      template,
      { reportName: 'r', mention: { atMobiles: ['13800000000', '13900000000'], isAtAll: true } },
      { mention: { atMobiles: ['13800000000'], atUserIds: ['ops'] } },
    );
    expect(message).toEqual({
      msgtype: 'text',
      text: { content: 'disk full @13800000000\n\n@13900000000 @ops' },
      at: { atMobiles: ['13800000000', '13900000000'], atUserIds: ['ops'], isAtAll: true },
    });
  });

  it('renders link with the protocol field names', () => {
    const message = renderMessage({ name: 't', msgType: 'link', title: 'T', text: 'x', messageUrl: '{{url}}' }, report);
    expect(message).toEqual({ msgtype: 'link', link: { title: 'T', text: 'x', messageUrl: report.url } });
  });

  it('renders a one-button actionCard as singleTitle/singleURL and several as btns', () => {
    const single: RenderableTemplate = {
      name: 't',
      msgType: 'actionCard',
      title: 'T',
      text: 'x',
      buttons: [{ title: 'Open', url: '{{url}}' }],
    };
    expect(renderMessage(single, report)).toEqual({
      msgtype: 'actionCard',
      actionCard: { title: 'T', text: 'x', singleTitle: 'Open', singleURL: report.url },
    });
    const multi: RenderableTemplate = {
      ...single,
      btnOrientation: '1',
      buttons: [
        { title: 'A', url: 'https://a' },
        { title: 'B', url: 'https://b' },
      ],
    };
    expect(renderMessage(multi, report)).toEqual({
      msgtype: 'actionCard',
      actionCard: {
        title: 'T',
        text: 'x',
        btnOrientation: '1',
        btns: [
          { title: 'A', actionURL: 'https://a' },
          { title: 'B', actionURL: 'https://b' },
        ],
      },
    });
  });

  it('renders feedCard links with messageURL/picURL', () => {
    const message = renderMessage(
      { name: 't', msgType: 'feedCard', links: [{ title: '{{reportName}}', messageUrl: '{{url}}', picUrl: 'https://p' }] },
      report,
    );
    expect(message).toEqual({
      msgtype: 'feedCard',
      feedCard: { links: [{ title: 'Sales & Ops <daily>', messageURL: report.url, picURL: 'https://p' }] },
    });
  });

  it('refuses a template that would render megabytes from a small event (422), quickly', () => {
    const bomb: RenderableTemplate = {
      name: 't',
      msgType: 'text',
      text: '{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}xxxxxxxxxx{{/data.a}}{{/data.a}}{{/data.a}}{{/data.a}}',
    };
    const started = Date.now();
    expect(() => renderMessage(bomb, { data: { a: Array.from({ length: 100 }, (_, i) => i) } })).toThrow(
      expect.objectContaining({ code: 'Unprocessable' }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const silentBomb: RenderableTemplate = {
      name: 't',
      msgType: 'text',
      text: '{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{/data.a}}{{/data.a}}{{/data.a}}{{/data.a}}',
    };
    expect(() => renderMessage(silentBomb, { data: { a: Array.from({ length: 1000 }, (_, i) => i) } })).toThrow(/repeats too often/);
  });
});

describe('checkMessage', () => {
  it('reports size over 20,000 bytes counting UTF-8 bytes, naming the largest part', () => {
    const message = renderMessage({ name: 't', msgType: 'text', text: '{{data.s}}' }, { data: { s: '汉'.repeat(7000) } });
    const check = checkMessage(message);
    expect(check.bytes).toBeGreaterThan(20_000);
    expect(check.problems[0]).toMatch(/DingTalk accepts at most 20000\. Largest part: text\.content/);
  });

  it('requires one of the robot keywords in the visible text', () => {
    const message = renderMessage({ name: 't', msgType: 'text', text: 'daily sales' }, report);
    expect(checkMessage(message, { keywords: ['sales'] }).problems).toEqual([]);
    expect(checkMessage(message, { keywords: ['ALERT', 'BI'] }).problems[0]).toMatch(/none of the robot's keywords \(ALERT, BI\)/);
  });
});
