// A job that missed its slot moves it instead of burning it: the robot's limit must still hold over every
// send ever made, including those the short log has already forgotten.
import fc from 'fast-check';
import { earliestSlot, moveSlot, withSlot } from '../../lib/store/rateLimitStore';

const window = { messages: 4, windowMs: 1000, marginMs: 100 };
const span = window.windowMs + window.marginMs;

type Step = { afterMs: number; leadMs: number; miss: boolean; pick: number };

/** Runs the steps against the log as the store keeps it; returns the slots that were (or will be) sent, and how many moves succeeded. */
function simulate(steps: Step[]): { sent: number[]; moves: number } {
  let now = 0;
  let log: number[] = [];
  let pending: number[] = [];
  const sent: number[] = [];
  let moves = 0;
  for (const step of steps) {
    now += step.afterMs;
    // slots whose time has come are sent, except the one a late job misses now
    const due = pending.filter((at) => at < now);
    const missed = step.miss && due.length > 0 ? due[step.pick % due.length] : undefined;
    pending = pending.filter((at) => at >= now);
    let skippedMissed = false;
    for (const at of due) {
      if (at === missed && !skippedMissed) skippedMissed = true;
      else sent.push(at);
    }
    const earliest = now + step.leadMs;
    const moved = missed === undefined ? undefined : moveSlot(log, missed, earliest, now, window);
    if (moved) {
      moves++;
      log = moved;
      pending.push(earliest);
    } else {
      // a fresh slot; a missed slot the log no longer holds stays as if used, so count it as sent
      if (missed !== undefined) sent.push(missed);
      const slot = earliestSlot(log, earliest, window);
      log = withSlot(log, slot, now, window);
      pending.push(slot);
    }
  }
  return { sent: [...sent, ...pending].sort((a, b) => a - b), moves };
}

describe('moveSlot', () => {
  it('keeps every window of the robot within its limit, however late jobs move their slots', () => {
    let totalMoves = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 150 }), leadMs: fc.integer({ min: 0, max: 200 }), miss: fc.boolean(), pick: fc.nat() }), { minLength: 1, maxLength: 120 }), (steps) => {
        const { sent, moves } = simulate(steps);
        totalMoves += moves;
        for (let i = window.messages; i < sent.length; i++) expect(sent[i] - sent[i - window.messages]).toBeGreaterThanOrEqual(span);
      }),
      { numRuns: 300 },
    );
    // the property must have exercised the move, not only fresh slots
    expect(totalMoves).toBeGreaterThan(100);
  });

  it('frees the missed slot for the late job: it sends now instead of a window later', () => {
    const log = [0, 0, 0, 0]; // four slots at 0: the window is full until 1,100
    expect(earliestSlot(log, 50, window)).toBe(span);
    expect(moveSlot(log, 0, 50, 50, window)).toEqual([0, 0, 0, 50]);
  });

  it('moves nothing the log no longer holds, nor to an earlier time', () => {
    expect(moveSlot([10, 20, 30, 40], 5, 100, 100, window)).toBeUndefined();
    expect(moveSlot([10, 20, 30, 40], 20, 15, 15, window)).toBeUndefined();
  });
});
