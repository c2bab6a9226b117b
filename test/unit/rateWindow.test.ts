import fc from 'fast-check';
import { earliestSlot, withSend } from '../../lib/delivery/sendWindow';
import type { SendWindowState } from '../../lib/domain/sendWindow';
import { classifyErrcode } from '../../lib/channels/dingtalk';
import { classifyHttpStatus } from '../../lib/channels/adapter';
import { backoff, retryDelaySeconds } from '../../lib/backoff';

const window = { messages: 3, windowMs: 1000, marginMs: 100 };

describe('earliestSlot', () => {
  it('is now while the window has room', () => {
    expect(earliestSlot([], 5000, window)).toBe(5000);
    expect(earliestSlot([4500, 4600], 5000, window)).toBe(5000);
  });

  it('waits for the oldest of the last N sends to leave the window plus margin', () => {
    expect(earliestSlot([4500, 4600, 4700], 5000, window)).toBe(5600);
    // slots taken ahead count too
    expect(earliestSlot([4900, 5200, 5300], 5000, window)).toBe(6000);
  });

  it('never lets any window of windowMs plus margin hold more than N sends, whatever the arrival times (property)', () => {
    const limit = fc.record({
      messages: fc.integer({ min: 1, max: 25 }),
      windowMs: fc.integer({ min: 100, max: 60_000 }),
      marginMs: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(limit, fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 120 }), (limit, gaps) => {
        let state: SendWindowState = { sends: [], cooldownUntil: 0 };
        let now = 0;
        const all: number[] = [];
        for (const gap of gaps) {
          // a job arrives `gap` ms after the previous one was sent (or after its own arrival, if it had to wait)
          now = Math.max(now + gap, all[all.length - 1] ?? 0);
          const slot = earliestSlot(state.sends, now, limit);
          expect(slot).toBeGreaterThanOrEqual(now);
          state = withSend(state, slot, limit);
          expect(state.sends.length).toBeLessThanOrEqual(limit.messages);
          all.push(slot);
        }
        for (let i = limit.messages; i < all.length; i++)
          expect(all[i] - all[i - limit.messages]).toBeGreaterThanOrEqual(limit.windowMs + limit.marginMs);
      }),
      { numRuns: 300 },
    );
  });

  it('drains a queued burst in slot order: the 21st of 20 per window goes one window (plus margin) after the 1st', () => {
    const limit = { messages: 20, windowMs: 2000, marginMs: 100 };
    let state: SendWindowState = { sends: [], cooldownUntil: 0 };
    const sends: number[] = [];
    for (let i = 0; i < 100; i++) {
      // each job is handled once the one before it was sent, as a robot's message group hands them out
      const slot = earliestSlot(state.sends, sends[sends.length - 1] ?? 0, limit);
      sends.push(slot);
      state = withSend(state, slot, limit);
    }
    expect(sends.slice(0, 20)).toEqual(new Array(20).fill(0));
    expect(sends[20]).toBe(2100);
    expect(sends[99]).toBe(4 * 2100);
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
  it('grows exponentially with jitter in its upper half, honours a minimum and stays within the cap', () => {
    const lowest = () => 0;
    const highest = () => 1;
    expect(retryDelaySeconds(1, 5, 900, 0, lowest)).toBe(3);
    expect(retryDelaySeconds(1, 5, 900, 0, highest)).toBe(5);
    expect(retryDelaySeconds(4, 5, 900, 0, lowest)).toBe(20);
    expect(retryDelaySeconds(4, 5, 900, 0, highest)).toBe(40);
    // the 30th attempt: capped at 15 minutes, jittered within its upper half
    expect(retryDelaySeconds(30, 5, 900, 0, highest)).toBe(900);
    expect(retryDelaySeconds(30, 5, 900, 0, lowest)).toBe(450);
    expect(retryDelaySeconds(200, 5, 900)).toBeLessThanOrEqual(900);
    expect(retryDelaySeconds(1, 1, 900, 600)).toBe(600);
  });

  it('is one formula for every retry: base × 2^(n-1), capped', () => {
    expect([1, 2, 3, 4].map((retry) => backoff(retry, 25, 1000))).toEqual([25, 50, 100, 200]);
    expect(backoff(10, 25, 1000)).toBe(1000);
    expect(backoff(0, 50, 1000)).toBe(50);
    expect(backoff(500, 1, 60)).toBe(60);
  });
});
