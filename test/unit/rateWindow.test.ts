import { earliestSlot, slotLeadMs } from '../../lib/store/rateLimitStore';
import { classifyErrcode, classifyHttpStatus } from '../../lib/dingtalk/errcodes';
import { retryDelaySeconds } from '../../lib/delivery/backoff';

const window = { messages: 3, windowMs: 1000, marginMs: 100 };

describe('earliestSlot', () => {
  it('is now while the window has room', () => {
    expect(earliestSlot([], 5000, window)).toBe(5000);
    expect(earliestSlot([4500, 4600], 5000, window)).toBe(5000);
  });

  it('waits for the oldest of the last N sends to leave the window plus margin', () => {
    expect(earliestSlot([4500, 4600, 4700], 5000, window)).toBe(5600);
    // future reservations count too
    expect(earliestSlot([4900, 5200, 5300], 5000, window)).toBe(6000);
  });

  it('never lets any window of windowMs hold more than N sends, whatever the order of reservations', () => {
    let sends: number[] = [];
    let now = 0;
    for (let i = 0; i < 200; i++) {
      now += Math.floor(Math.random() * 300);
      const slot = earliestSlot(sends, now, window);
      sends = [...sends, slot].sort((a, b) => a - b).slice(-window.messages);
      (globalThis as any).__all = [...((globalThis as any).__all ?? []), slot];
    }
    const all: number[] = (globalThis as any).__all.sort((a: number, b: number) => a - b);
    for (let i = window.messages; i < all.length; i++) {
      expect(all[i] - all[i - window.messages]).toBeGreaterThanOrEqual(window.windowMs);
    }
  });
});

describe('errcode classification', () => {
  it.each([
    [0, 'ok'],
    [130101, 'throttled'],
    [410100, 'throttled'],
    [310000, 'permanent'],
    [300001, 'permanent'],
    [400102, 'permanent'],
    [460101, 'permanent'],
    [999999, 'permanent'],
  ])('errcode %i is %s', (errcode, expected) => expect(classifyErrcode(errcode)).toBe(expected));

  it('retries 5xx and 429, not 4xx', () => {
    expect(classifyHttpStatus(502)).toBe('retryable');
    expect(classifyHttpStatus(429)).toBe('retryable');
    expect(classifyHttpStatus(404)).toBe('permanent');
  });
});

describe('retry backoff', () => {
  it('grows exponentially, honours a minimum and stays within SQS limits', () => {
    expect(retryDelaySeconds(1, 5)).toBeGreaterThanOrEqual(4);
    expect(retryDelaySeconds(1, 5)).toBeLessThanOrEqual(6);
    expect(retryDelaySeconds(4, 5)).toBeGreaterThanOrEqual(32);
    expect(retryDelaySeconds(30, 5)).toBe(900);
    expect(retryDelaySeconds(1, 1, 600)).toBe(600);
  });
});

describe('earliestSlot with reservations ahead', () => {
  it('queues a burst in slot order: the 21st of 20 per window goes one window (plus margin) after the 1st', () => {
    const limit = { messages: 20, windowMs: 2000, marginMs: 100 };
    // the store keeps only the latest 20 entries: slots only grow, so those decide the next one
    let log: number[] = [];
    const sends: number[] = [];
    for (let i = 0; i < 100; i++) {
      const slot = earliestSlot(log, 0, limit);
      sends.push(slot);
      log = [...log, slot].sort((a, b) => a - b).slice(-limit.messages);
    }
    expect(sends.slice(0, 20)).toEqual(new Array(20).fill(0));
    expect(sends[20]).toBe(2100);
    expect(sends[99]).toBe(4 * 2100);
    for (let i = 20; i < sends.length; i++) expect(sends[i] - sends[i - 20]).toBeGreaterThanOrEqual(2000);
  });
});

describe('slotLeadMs', () => {
  const tight = { messages: 20, windowMs: 2000, marginMs: 100 };
  const dingtalk = { messages: 20, windowMs: 60_000, marginMs: 3000 };

  it('places slots a slow write ahead, so the job is not already late for its slot when the write returns', () => {
    // writes taking 200 ms against a 50 ms tolerance: 2 × 200 − 50
    expect(slotLeadMs(200, tight)).toBe(350);
    expect(slotLeadMs(5, tight)).toBe(0);
  });

  it('adds nothing where the allowed lateness covers the write, and never more than a second', () => {
    expect(slotLeadMs(200, dingtalk)).toBe(0);
    expect(slotLeadMs(5000, dingtalk)).toBe(1000);
    expect(slotLeadMs(5000, tight)).toBe(500);
  });
});
