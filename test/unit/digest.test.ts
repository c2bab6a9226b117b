// A digest's message: one line per push in order, the template's sections or the defaults, keywords and
// mentions kept, never over DingTalk's 20,000 bytes.
import { messageBytes, type RenderedMessage } from '../../lib/channels/message';
import { maxMessageBytes } from '../../lib/channels/dingtalk';
import { maxDigestMentions, pushSummary, renderDigest } from '../../lib/render/digest';
import { adapterOf, fitsChannel } from '../../lib/channels';

const text = (content: string, at?: { atMobiles: string[] }): RenderedMessage => ({
  msgtype: 'text',
  text: { content },
  ...(at && { at }),
});
const member = (message: RenderedMessage) => ({ message, reportName: 'Sales' });
const robot = { name: 'Ops' };

describe('renderDigest', () => {
  it("takes each push's title and link whatever its type", () => {
    expect(pushSummary(text('\n# Daily sales\nTotal 5'))).toEqual({ title: 'Daily sales' });
    expect(pushSummary({ msgtype: 'markdown', markdown: { title: 'KPI', text: 'see [chart](https://bi.example.com/r/1)' } })).toEqual({
      title: 'KPI',
      link: 'https://bi.example.com/r/1',
    });
    expect(pushSummary({ msgtype: 'link', link: { title: 'Churn', text: '', messageUrl: 'https://bi.example.com/c' } })).toEqual({
      title: 'Churn',
      link: 'https://bi.example.com/c',
    });
    const card: RenderedMessage = {
      msgtype: 'actionCard',
      actionCard: { title: 'Alert', text: '', singleTitle: 'Open', singleURL: 'https://g/1' },
    };
    expect(pushSummary(card)).toEqual({ title: 'Alert', link: 'https://g/1' });
  });

  it("renders the template's sections with the count, the robot and each push", () => {
    const { message, count } = renderDigest(
      [member(text('A')), member(text('B'))],
      { title: '{{robotName}}: {{count}} reports', line: '{{n}}. {{title}} ({{reportName}})' },
      robot,
      'dingtalk',
    );
    expect(count).toBe(2);
    expect(message).toEqual({
      msgtype: 'markdown',
      markdown: { title: 'Ops: 2 reports', text: '#### Ops: 2 reports\n\n1. A (Sales)\n2. B (Sales)' },
    });
  });

  it('adds a robot keyword the lines lack, and mentions everyone its pushes mentioned (bounded), in the text as DingTalk needs', () => {
    const mobiles = Array.from({ length: 30 }, (_, n) => `1380000${String(n).padStart(4, '0')}`);
    const { message } = renderDigest(
      mobiles.map((mobile) => member(text('alert', { atMobiles: [mobile] }))).slice(0, 10),
      undefined,
      {
        ...robot,
        keywords: ['BI'],
      },
      'dingtalk',
    );
    expect(message.msgtype === 'markdown' && message.markdown.text).toContain('\n\nBI');
    expect('at' in message && message.at?.atMobiles).toEqual(mobiles.slice(0, 10));
    for (const mobile of mobiles.slice(0, 10)) expect(message.msgtype === 'markdown' && message.markdown.text).toContain(`@${mobile}`);
    const many = renderDigest(
      mobiles.map((mobile) => member(text('alert', { atMobiles: [mobile] }))),
      undefined,
      robot,
      'dingtalk',
    ).message;
    expect('at' in many && many.at?.atMobiles).toHaveLength(maxDigestMentions);
  });

  it('stops before 20,000 bytes: the pushes that do not fit are left for the next digest', () => {
    const long = Array.from({ length: 10 }, (_, n) =>
      member({ msgtype: 'markdown', markdown: { title: `${n} ${'数'.repeat(2000)}`, text: '' } }),
    );
    const { message, count } = renderDigest(long, { line: '{{title}}' }, robot, 'dingtalk');
    expect(count).toBeLessThan(10);
    expect(count).toBeGreaterThan(0);
    expect(messageBytes(message)).toBeLessThanOrEqual(maxMessageBytes);
    const next = renderDigest(long.slice(count), { line: '{{title}}' }, robot, 'dingtalk');
    expect(messageBytes(next.message)).toBeLessThanOrEqual(maxMessageBytes);
  });

  it("fits the robot's channel: a WeCom digest stays within WeCom's 4,096 bytes of markdown, the rest left for the next", () => {
    // a line takes a push's first 200 characters: 30 of them are more than 4,096 bytes
    const pushes = Array.from({ length: 30 }, (_, n) => member(text(`Alert ${n} ${'x'.repeat(600)}`)));
    const { message, count } = renderDigest(pushes, undefined, robot, 'wecom');
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThan(30);
    const body = adapterOf('wecom').toBody(message) as { markdown: { content: string } };
    expect(Buffer.byteLength(body.markdown.content)).toBeLessThanOrEqual(4096);
    // one more push would not have fitted (DingTalk's 20,000 bytes take it)
    const oneMore = renderDigest(pushes.slice(0, count + 1), undefined, robot, 'dingtalk');
    expect(oneMore.count).toBe(count + 1);
    expect(fitsChannel('wecom', oneMore.message)).toBe(false);
  });
});
