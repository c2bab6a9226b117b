// A robot's quiet hours: whether a moment falls inside them and when they end, in the robot's time zone.
// Pure; Intl gives the wall clock, so no time-zone table ships with the service.
import type { QuietHours } from '../domain/robot';
import { weekdays } from '../../schemas/robot';

export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** The wall clock at `at` in `timeZone`. */
function wallClock(at: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: weekdays.indexOf(parts.weekday.toLowerCase() as (typeof weekdays)[number]),
  };
}

/** The moment a wall-clock time (`minutes` past midnight of the date, may exceed a day) happens in `timeZone`. */
function momentOf(date: { year: number; month: number; day: number }, minutes: number, timeZone: string): number {
  const asIfUtc = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  const offset = (at: number) => {
    const clock = wallClock(at, timeZone);
    return Date.UTC(clock.year, clock.month - 1, clock.day, 0, clock.minutes) - Math.floor(at / 60_000) * 60_000;
  };
  const first = asIfUtc - offset(asIfUtc);
  return asIfUtc - offset(first);
}

/**
 * When the quiet hours `now` falls in end, or undefined outside them. A span runs from `from` on each
 * listed day (every day when none are) to the next `to`, past midnight if `to` is earlier; from == to is 24 h.
 */
export function quietUntil(quietHours: QuietHours, now: number): number | undefined {
  const clock = wallClock(now, quietHours.timeZone);
  const from = minutesOf(quietHours.from);
  const length = (minutesOf(quietHours.to) - from + 1440) % 1440 || 1440;
  const days = quietHours.days?.map((day) => weekdays.indexOf(day));
  // a span that started today, or yesterday and runs past midnight
  for (const daysAgo of [0, 1]) {
    const weekday = (clock.weekday - daysAgo + 7) % 7;
    if (days && !days.includes(weekday)) continue;
    const start = from - daysAgo * 1440;
    if (clock.minutes >= start && clock.minutes < start + length) return momentOf(clock, start + length, quietHours.timeZone);
  }
  return undefined;
}
