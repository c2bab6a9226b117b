// The shared send log against DynamoDB Local: reservations for one robot made at the same time in one
// container are written together, and no window ever holds more than the limit.
import { randomUUID } from 'node:crypto';

// loaded late: the service reads its configuration (the per-file table) at load
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = () => require('../../lib/store/rateLimitStore') as typeof import('../../lib/store/rateLimitStore');
const window = { messages: 20, windowMs: 2000, marginMs: 100 };

async function storedVersion(robotId: string): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readDeliveryInputs } = require('../../lib/store/deliveryInputs') as typeof import('../../lib/store/deliveryInputs');
  return (await readDeliveryInputs([robotId], [])).rateStates.get(robotId)?.version ?? 0;
}

it('serves 60 reservations made at once with a handful of writes, at most 20 slots in any window', async () => {
  const { rateLimitStore } = load();
  const robotId = `rate-${randomUUID()}`;
  const reservations = await Promise.all(Array.from({ length: 60 }, () => rateLimitStore.reserve(robotId, window, 60_000)));
  const slots = reservations.map((reservation) => {
    if (!('slotAt' in reservation)) throw new Error(`expected a slot, got ${JSON.stringify(reservation)}`);
    return reservation.slotAt;
  });
  slots.sort((a, b) => a - b);
  // the 21st slot after any slot is at least a window (plus margin) later
  for (let i = window.messages; i < slots.length; i++) expect(slots[i] - slots[i - window.messages]).toBeGreaterThanOrEqual(window.windowMs + window.marginMs);
  // one write for the first request, one for everything that queued behind it (a few more if timing splits them)
  const writes = await storedVersion(robotId);
  expect(writes).toBeGreaterThanOrEqual(1);
  expect(writes).toBeLessThanOrEqual(5);
});

it('gives a request that would wait longer than it may a wait, and the others their slots', async () => {
  const { rateLimitStore } = load();
  const robotId = `rate-${randomUUID()}`;
  // 25 at once, of which only the first 20 fit within the next second
  const reservations = await Promise.all(Array.from({ length: 25 }, () => rateLimitStore.reserve(robotId, window, 1000)));
  expect(reservations.filter((reservation) => 'slotAt' in reservation)).toHaveLength(20);
  expect(reservations.filter((reservation) => 'waitMs' in reservation && reservation.reason === 'rate-limit')).toHaveLength(5);
});

describe('claims on records, written with the slots', () => {
  const claim = (recordId: string, extra: Partial<import('../../lib/store/rateLimitStore').RecordClaim> = {}) => ({ recordId, leaseMs: 10_000, whenWithinMs: 3000, ...extra });

  it('gives a record to one of two jobs claiming it at once, and tells the other how long it is held', async () => {
    const { rateLimitStore } = load();
    const robotId = `claim-${randomUUID()}`;
    const [first, second] = await Promise.all([rateLimitStore.reserve(robotId, window, 60_000, undefined, claim('r1')), rateLimitStore.reserve(robotId, window, 60_000, undefined, claim('r1'))]);
    expect(first).toEqual({ slotAt: expect.any(Number), claimedUntil: expect.any(Number) });
    expect(second).toEqual({ heldForMs: expect.any(Number) });
    expect((second as { heldForMs: number }).heldForMs).toBeGreaterThan(9000);
    // a job in a new container (nothing known) meets the stored claim too
    expect(await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r1'))).toEqual({ heldForMs: expect.any(Number) });
    // and another record of the same robot is free
    expect(await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r2'))).toEqual({ slotAt: expect.any(Number), claimedUntil: expect.any(Number) });
  });

  it('lets the job that holds a claim take it again, for the slot it already has, without a new slot', async () => {
    const { rateLimitStore } = load();
    const robotId = `claim-${randomUUID()}`;
    const taken = (await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r1'))) as { slotAt: number; claimedUntil: number };
    const again = await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r1', { ownLeaseUntil: taken.claimedUntil, slotAt: taken.slotAt }));
    expect(again).toEqual({ slotAt: taken.slotAt, claimedUntil: expect.any(Number) });
    // the slot was not taken twice: 19 more fit in the window
    const more = await Promise.all(Array.from({ length: 20 }, () => rateLimitStore.reserve(robotId, window, 500, new Map())));
    expect(more.filter((reservation) => 'slotAt' in reservation)).toHaveLength(19);
  });

  it('lets a job that missed its slot move it to now instead of waiting a window for a new one', async () => {
    const { rateLimitStore } = load();
    const robotId = `claim-${randomUUID()}`;
    const taken = (await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r1'))) as { slotAt: number; claimedUntil: number };
    // the other 19 slots of the window go to other records
    await Promise.all(Array.from({ length: 19 }, (_, i) => rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim(`other-${i}`))));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // the window is full, so a new slot is a window away; the missed one is moved instead
    const moved = (await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r1', { ownLeaseUntil: taken.claimedUntil, missedSlotAt: taken.slotAt }))) as { slotAt: number };
    expect(moved).toEqual({ slotAt: expect.any(Number), claimedUntil: expect.any(Number) });
    expect(moved.slotAt - taken.slotAt).toBeLessThan(window.windowMs);
    // and it took no second slot: the next one is still a window after the first 20
    const next = (await rateLimitStore.reserve(robotId, window, 60_000, new Map())) as { slotAt: number };
    expect(next.slotAt - taken.slotAt).toBeGreaterThanOrEqual(window.windowMs + window.marginMs);
  });

  it('claims nothing for a slot further ahead than the job waits, and frees a claim once its lease has passed', async () => {
    const { rateLimitStore } = load();
    const robotId = `claim-${randomUUID()}`;
    expect(await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r1', { slotAt: Date.now() + 10_000 }))).toEqual({ slotAt: expect.any(Number) });
    expect(await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r2', { leaseMs: 50 }))).toEqual({ slotAt: expect.any(Number), claimedUntil: expect.any(Number) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await rateLimitStore.reserve(robotId, window, 60_000, new Map(), claim('r2'))).toEqual({ slotAt: expect.any(Number), claimedUntil: expect.any(Number) });
  });
});
