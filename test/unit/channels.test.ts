import { adapterOf } from '../../lib/channels';
import { classifyFeishuCode, feishuText, signedFeishuBody, toFeishu } from '../../lib/channels/feishu';
import { classifyWeComErrcode, toWeCom } from '../../lib/channels/wecom';
import { classifyErrcode } from '../../lib/channels/dingtalk';
import type { RenderedMessage } from '../../lib/channels/message';

const markdown: RenderedMessage = {
  msgtype: 'markdown',
  markdown: {
    title: 'Daily sales',
    text: '#### Daily sales\n**Total**: 42\n\n![chart](http://127.0.0.1:3000/images/a.png)\n\n@13800000000 @u1',
  },
  at: { atMobiles: ['13800000000'], atUserIds: ['u1'], isAtAll: false },
};

describe('WeCom bodies', () => {
  it("turns text into WeCom's text with its mention fields, not DingTalk's @ handles", () => {
    const text: RenderedMessage = {
      msgtype: 'text',
      text: { content: 'Sales 42\n\n@13800000000 @u1' },
      at: { atMobiles: ['13800000000'], atUserIds: ['u1'], isAtAll: true },
    };
    expect(toWeCom(text)).toEqual({
      msgtype: 'text',
      text: { content: 'Sales 42', mentioned_list: ['u1', '@all'], mentioned_mobile_list: ['13800000000'] },
    });
  });

  it('turns markdown into WeCom markdown: pictures become links, user mentions become <@userid>', () => {
    expect(toWeCom(markdown)).toEqual({
      msgtype: 'markdown',
      markdown: { content: '#### Daily sales\n**Total**: 42\n\n[chart](http://127.0.0.1:3000/images/a.png)\n\n<@u1>' },
    });
  });

  it('turns a link into a news article and buttons into markdown links', () => {
    expect(toWeCom({ msgtype: 'link', link: { title: 'T', text: 'D', messageUrl: 'https://bi/1', picUrl: 'https://bi/p.png' } })).toEqual({
      msgtype: 'news',
      news: { articles: [{ title: 'T', description: 'D', url: 'https://bi/1', picurl: 'https://bi/p.png' }] },
    });
    const card = toWeCom({
      msgtype: 'actionCard',
      actionCard: { title: 'T', text: 'body', btns: [{ title: 'Open', actionURL: 'https://bi/1' }] },
    });
    expect(card).toEqual({ msgtype: 'markdown', markdown: { content: '**T**\nbody\n\n[Open](https://bi/1)' } });
  });

  it("refuses WeCom's sizes before sending: 2,048 bytes of text, 4,096 of markdown, 1 to 8 news articles", () => {
    const check = (message: RenderedMessage) => adapterOf('wecom').check(adapterOf('wecom').toBody(message), {}).problems;
    expect(check({ msgtype: 'text', text: { content: '字'.repeat(682) } })).toEqual([]); // 2,046 bytes
    expect(check({ msgtype: 'text', text: { content: '字'.repeat(683) } })[0]).toMatch(/2049 bytes; WeCom accepts at most 2048/);
    expect(check({ msgtype: 'markdown', markdown: { title: 't', text: 'x'.repeat(4096) } })).toEqual([]);
    expect(check({ msgtype: 'markdown', markdown: { title: 't', text: 'x'.repeat(4097) } })[0]).toMatch(/errcode 40058/);
    const links = Array.from({ length: 9 }, (_, n) => ({ title: `${n}`, messageURL: `https://bi/${n}` }));
    expect(check({ msgtype: 'feedCard', feedCard: { links } })[0]).toMatch(/1 to 8 articles, not 9/);
  });
});

describe('Feishu bodies', () => {
  it('turns markdown into a card: a header, headings as bold, pictures as links, mentions as <at> tags', () => {
    const body = toFeishu(markdown);
    expect(body).toEqual({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: { title: { tag: 'plain_text', content: 'Daily sales' } },
        elements: [
          {
            tag: 'markdown',
            content: '**Daily sales**\n**Total**: 42\n\n[🖼 chart](http://127.0.0.1:3000/images/a.png)\n<at user_id="u1"></at>',
          },
        ],
      },
    });
  });

  it('turns text into text with <at> tags, and buttons into card buttons', () => {
    expect(toFeishu({ msgtype: 'text', text: { content: 'hi @u1' }, at: { atUserIds: ['u1'], isAtAll: true } })).toEqual({
      msg_type: 'text',
      content: { text: 'hi\n<at user_id="u1"></at> <at user_id="all">所有人</at>' },
    });
    const card = toFeishu({ msgtype: 'actionCard', actionCard: { title: 'T', text: 'b', singleTitle: 'Open', singleURL: 'https://bi/1' } });
    expect(feishuText(card)).toBe('T\nb\nOpen');
  });

  it('signs with the timestamp and secret as the key and an empty message, in seconds', () => {
    const body = signedFeishuBody({ msg_type: 'text', content: { text: 'x' } }, 'demo-secret', 1_700_000_000_999);
    expect(body.timestamp).toBe('1700000000');
    // Feishu's guide: base64(HmacSHA256(key = timestamp + "\n" + secret, message = ""))
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    expect(body.sign).toBe(createHmac('sha256', '1700000000\ndemo-secret').digest('base64'));
    expect(signedFeishuBody({ msg_type: 'text', content: { text: 'x' } }, undefined, 0)).not.toHaveProperty('sign');
  });

  it("refuses a body over 20 KB and one without the bot's keyword before sending", () => {
    const big = adapterOf('feishu').check(adapterOf('feishu').toBody({ msgtype: 'text', text: { content: 'x'.repeat(20_400) } }), {});
    expect(big.problems[0]).toMatch(/Feishu accepts a body of at most 20480 bytes/);
    const missing = adapterOf('feishu').check(adapterOf('feishu').toBody(markdown), { keywords: ['日报'] });
    expect(missing.problems[0]).toMatch(/code 19024/);
    expect(adapterOf('feishu').check(adapterOf('feishu').toBody(markdown), { keywords: ['Total'] }).problems).toEqual([]);
  });
});

describe('what each answer means', () => {
  // docs/channels.md has this table
  it.each([
    ['DingTalk', 0, 'ok'],
    ['DingTalk', 130101, 'throttled'],
    ['DingTalk', 410100, 'throttled'],
    ['DingTalk', 310000, 'permanent'],
    ['DingTalk', 300001, 'permanent'],
    ['DingTalk', 400101, 'permanent'],
    ['DingTalk', 460101, 'permanent'],
    ['WeCom', 0, 'ok'],
    ['WeCom', 45009, 'throttled'],
    ['WeCom', -1, 'retryable'],
    ['WeCom', 93000, 'permanent'],
    ['WeCom', 40058, 'permanent'],
    ['WeCom', 40008, 'permanent'],
    ['WeCom', 301019, 'permanent'],
    ['WeCom', 12345, 'permanent'],
    ['Feishu', 0, 'ok'],
    ['Feishu', 9499, 'throttled'],
    ['Feishu', 11232, 'throttled'],
    ['Feishu', 19021, 'permanent'],
    ['Feishu', 19022, 'permanent'],
    ['Feishu', 19024, 'permanent'],
    ['Feishu', 19001, 'permanent'],
    ['Feishu', 12345, 'permanent'],
  ] as const)('%s %i is %s', (service, code, expected) => {
    const classify = { DingTalk: classifyErrcode, WeCom: classifyWeComErrcode, Feishu: classifyFeishuCode }[service];
    expect(classify(code)).toBe(expected);
  });
});

describe("DingTalk's app robot", () => {
  const { dingtalkApp, toDingTalkApp, classifyDingTalkAppAnswer, maxMsgParamBytes } =
    require('../../lib/channels/dingtalkApp') as typeof import('../../lib/channels/dingtalkApp');
  const param = (message: Parameters<typeof toDingTalkApp>[0]) => JSON.parse(toDingTalkApp(message).msgParam);

  it('maps each message type to its msgKey, msgParam a JSON string of its fields; mentions are left out', () => {
    expect(toDingTalkApp({ msgtype: 'text', text: { content: 'hi @13800000000' }, at: { atMobiles: ['13800000000'] } })).toEqual({
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: 'hi' }),
    });
    expect(param({ msgtype: 'markdown', markdown: { title: 'T', text: '## x' } })).toEqual({ title: 'T', text: '## x' });
    expect(toDingTalkApp({ msgtype: 'link', link: { title: 'T', text: 'x', messageUrl: 'https://u' } }).msgKey).toBe('sampleLink');
    const single = { msgtype: 'actionCard' as const, actionCard: { title: 'T', text: 'x', singleTitle: 'Open', singleURL: 'https://u' } };
    expect(toDingTalkApp(single)).toMatchObject({ msgKey: 'sampleActionCard' });
    const three = {
      msgtype: 'actionCard' as const,
      actionCard: { title: 'T', text: 'x', btns: [1, 2, 3].map((n) => ({ title: `B${n}`, actionURL: `https://u/${n}` })) },
    };
    expect(toDingTalkApp(three).msgKey).toBe('sampleActionCard3');
    expect(param(three)).toMatchObject({ actionTitle3: 'B3', actionURL3: 'https://u/3' });
  });

  it('refuses a feed card and a msgParam over 15,000 bytes before sending, saying why', () => {
    const feed = toDingTalkApp({
      msgtype: 'feedCard',
      feedCard: { links: [{ title: 'Q3', messageURL: 'https://u', picURL: 'https://p' }] },
    });
    expect(dingtalkApp.check(feed, {}).problems).toEqual([expect.stringContaining('cannot send a feedCard')]);
    const big = toDingTalkApp({ msgtype: 'text', text: { content: 'x'.repeat(maxMsgParamBytes) } });
    expect(dingtalkApp.check(big, {}).problems).toEqual([expect.stringContaining(`at most ${maxMsgParamBytes}`)]);
  });

  it("reads DingTalk's word codes: rate limits wait, 5xx and 429 retry, the rest are final", () => {
    expect(classifyDingTalkAppAnswer(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi')).toBe('throttled');
    expect(classifyDingTalkAppAnswer(400, 'send.too.fast')).toBe('throttled');
    expect(classifyDingTalkAppAnswer(503, 'ServiceUnavailable')).toBe('retryable');
    expect(classifyDingTalkAppAnswer(429, 'Throttling')).toBe('retryable');
    expect(classifyDingTalkAppAnswer(400, 'invalidParameter.msgParam.invalid')).toBe('permanent');
    expect(classifyDingTalkAppAnswer(403, 'Forbidden.AccessDenied.ApiCountLimitForOrg')).toBe('permanent');
    expect(dingtalkApp.answerCode(200, { processQueryKey: 'k' })).toMatchObject({ outcome: 'ok' });
    expect(dingtalkApp.messageKey?.({ processQueryKey: 'k' })).toBe('k');
    expect(dingtalkApp.answerCode(400, { code: 'InvalidAuthentication', message: 'no' })).toEqual({
      code: 'InvalidAuthentication',
      outcome: 'permanent',
      message: 'no',
    });
  });
});
