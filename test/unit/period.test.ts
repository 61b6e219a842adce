import { describe, expect, it } from 'vitest';
import {
  NAMED_PERIODS,
  calendarName,
  comparisonBasis,
  comparisonText,
  PeriodError,
  formatPeriod,
  namedPeriod,
  periodDays,
  previousPeriod,
  resolvePeriod,
  toInstant,
  toLocal,
} from '../../src/period.js';

const TZ = 'Europe/Moscow';
// Wednesday 2026-11-18, 01:30 in Moscow (22:30 UTC the day before): the local date is what counts.
const NOW = new Date('2026-11-17T22:30:00Z');

describe('named periods in the shop time zone', () => {
  const cases: Record<string, [string, string, string, string]> = {
    today: ['2026-11-18', '2026-11-18', '2026-11-17', '2026-11-17'],
    yesterday: ['2026-11-17', '2026-11-17', '2026-11-16', '2026-11-16'],
    this_week: ['2026-11-16', '2026-11-18', '2026-11-09', '2026-11-11'],
    last_week: ['2026-11-09', '2026-11-15', '2026-11-02', '2026-11-08'],
    this_month: ['2026-11-01', '2026-11-18', '2026-10-01', '2026-10-18'],
    last_month: ['2026-10-01', '2026-10-31', '2026-09-01', '2026-09-30'],
    last_7_days: ['2026-11-11', '2026-11-17', '2026-11-04', '2026-11-10'],
    last_30_days: ['2026-10-19', '2026-11-17', '2026-09-19', '2026-10-18'],
    this_year: ['2026-01-01', '2026-11-18', '2025-01-01', '2025-11-18'],
  };
  // Periods that include now end at the current minute (01:30 in Moscow), and so does their comparison.
  const soFar = new Set(['today', 'this_week', 'this_month', 'this_year']);
  for (const name of NAMED_PERIODS) {
    it(`${name} and its previous period`, () => {
      const p = namedPeriod(name, TZ, NOW);
      const [from, to, prevFrom, prevTo] = cases[name]!;
      const endTime = soFar.has(name) ? 'T01:30:59' : 'T23:59:59';
      expect([p.start, p.end]).toEqual([`${from}T00:00:00`, `${to}${endTime}`]);
      const prev = previousPeriod(p);
      expect([prev.start, prev.end]).toEqual([`${prevFrom}T00:00:00`, `${prevTo}${endTime}`]);
    });
  }

  it('a period so far reads as such', () => {
    expect(formatPeriod(namedPeriod('today', TZ, NOW))).toBe('2026-11-18 00:00 – 2026-11-18 01:30');
    expect(formatPeriod(previousPeriod(namedPeriod('this_week', TZ, NOW)))).toBe('2026-11-09 00:00 – 2026-11-11 01:30');
  });

  it('last_month from March 31 compares with a shorter February', () => {
    const p = namedPeriod('last_month', TZ, new Date('2026-03-31T12:00:00Z'));
    expect([p.start, p.end]).toEqual(['2026-02-01T00:00:00', '2026-02-28T23:59:59']);
    expect(previousPeriod(p).end).toBe('2026-01-31T23:59:59');
    // this_month on March 31 compares with February up to its last day, same time
    const t = namedPeriod('this_month', TZ, new Date('2026-03-31T12:00:00Z'));
    expect(previousPeriod(t)).toMatchObject({ start: '2026-02-01T00:00:00', end: '2026-02-28T15:00:59' });
  });

  it('the same instant is a different day in another zone', () => {
    expect(namedPeriod('today', 'America/New_York', NOW).start).toBe('2026-11-17T00:00:00');
  });
});

describe('explicit dates', () => {
  it('date-only bounds cover whole days; equal-length previous period', () => {
    const p = resolvePeriod({ date_from: '2026-10-28', date_to: '2026-11-03' }, TZ, NOW);
    expect(p).toMatchObject({ name: 'custom', start: '2026-10-28T00:00:00', end: '2026-11-03T23:59:59' });
    expect(periodDays(p)).toBe(7);
    expect(formatPeriod(p)).toBe('2026-10-28 – 2026-11-03');
    const prev = previousPeriod(p);
    expect([prev.start, prev.end]).toEqual(['2026-10-21T00:00:00', '2026-10-27T23:59:59']);
  });

  it('date-times keep their time; an offset is converted to the shop clock', () => {
    const p = resolvePeriod({ date_from: '2026-11-01T10:00', date_to: '2026-11-01T07:30:00Z' }, TZ, NOW);
    expect([p.start, p.end]).toEqual(['2026-11-01T10:00:00', '2026-11-01T10:30:00']);
    const prev = previousPeriod(p);
    expect([prev.start, prev.end]).toEqual(['2026-11-01T09:29:59', '2026-11-01T09:59:59']);
    // bounds inside a minute are shown with their seconds
    expect(formatPeriod(p)).toBe('2026-11-01 10:00:00 – 2026-11-01 10:30:00');
    expect(formatPeriod(prev)).toBe('2026-11-01 09:29:59 – 2026-11-01 09:59:59');
  });

  it('an end given to the minute covers the whole minute', () => {
    const p = resolvePeriod({ date_from: '2026-11-01T10:00', date_to: '2026-11-01T12:30' }, TZ, NOW);
    expect([p.start, p.end]).toEqual(['2026-11-01T10:00:00', '2026-11-01T12:30:59']);
    expect(formatPeriod(p)).toBe('2026-11-01 10:00 – 2026-11-01 12:30');
    const prev = previousPeriod(p);
    expect([prev.start, prev.end]).toEqual(['2026-11-01T07:29:00', '2026-11-01T09:59:59']);
    expect(formatPeriod(prev)).toBe('2026-11-01 07:29 – 2026-11-01 09:59');
  });

  it('date_to defaults to today; names are forgiving', () => {
    expect(resolvePeriod({ date_from: '2026-11-01' }, TZ, NOW).end).toBe('2026-11-18T23:59:59');
    expect(resolvePeriod({ period: 'Last Week' }, TZ, NOW).start).toBe('2026-11-09T00:00:00');
    expect(resolvePeriod({}, TZ, NOW, 'yesterday').start).toBe('2026-11-17T00:00:00');
  });

  it('rejects bad input naming the field and the fix', () => {
    const bad: Array<[Parameters<typeof resolvePeriod>[0], string, RegExp]> = [
      [{ date_from: '2026-11-05', date_to: '2026-11-01' }, 'date_from', /after date_to.*swap/],
      [{ date_from: '2026-02-30' }, 'date_from', /not a real calendar date/],
      [{ date_from: '2026-13-01' }, 'date_from', /not a real calendar date/],
      [{ date_from: '2026-11-01', date_to: '2026-11-32T10:00' }, 'date_to', /YYYY-MM-DD/],
      [{ date_from: '05.11.2026' }, 'date_from', /YYYY-MM-DD/],
      [{ date_from: '2026-11-01', date_to: 'tomorrow' }, 'date_to', /YYYY-MM-DD/],
      [{ period: 'fortnight' }, 'period', /last_week/],
      [{ period: 'today', date_from: '2026-11-01' }, 'period', /conflicts with date_from: .*not both/],
      // NOW is 2026-11-18 01:30 in Moscow: a period starting later has not begun.
      [{ date_from: '2026-11-18T02:00', date_to: '2026-11-20' }, 'date_from', /2026-11-18 02:00:00 has not come yet \(now 2026-11-18 01:30 in Europe\/Moscow\)/],
      // …and a range that runs past today would count days to come as zeros.
      [{ date_from: '2026-11-10', date_to: '2026-12-20' }, 'date_to', /2026-12-20 is after today \(2026-11-18 in Europe\/Moscow\)/],
      [{ date_to: '2026-11-01' }, 'date_from', /required/],
      [{}, 'period', /Give a period/],
    ];
    for (const [input, field, message] of bad) {
      let caught: unknown;
      try {
        resolvePeriod(input, TZ, NOW);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(input)).toBeInstanceOf(PeriodError);
      expect((caught as PeriodError).field).toBe(field);
      expect((caught as PeriodError).message).toMatch(message);
    }
  });
});

describe('time zone conversion', () => {
  it('round-trips local wall time and instants, across a DST change', () => {
    expect(toInstant('2026-11-18T00:00:00', TZ).toISOString()).toBe('2026-11-17T21:00:00.000Z');
    expect(toLocal(new Date('2026-11-17T21:00:00Z'), TZ)).toBe('2026-11-18T00:00:00');
    // Berlin leaves summer time on 2026-10-25 at 03:00 local.
    expect(toInstant('2026-10-25T12:00:00', 'Europe/Berlin').toISOString()).toBe('2026-10-25T11:00:00.000Z');
    expect(toInstant('2026-10-24T12:00:00', 'Europe/Berlin').toISOString()).toBe('2026-10-24T10:00:00.000Z');
  });
});

describe('periods compared by the calendar (issue 12)', () => {
  const tz = 'Europe/Moscow';
  const dates = (from: string, to: string) => resolvePeriod({ date_from: from, date_to: to }, tz, new Date('2026-11-30T09:00:00Z'));
  const prev = (from: string, to: string) => {
    const p = previousPeriod(dates(from, to));
    return `${p.start.slice(0, 10)}..${p.end.slice(0, 10)}`;
  };

  it('a month given as dates compares with the previous calendar month, as last_month does', () => {
    expect(prev('2026-10-01', '2026-10-31')).toBe('2026-09-01..2026-09-30');
    const named = namedPeriod('last_month', tz, new Date('2026-11-30T09:00:00Z'));
    expect(previousPeriod(named)).toEqual(previousPeriod(dates('2026-10-01', '2026-10-31')));
    expect(comparisonBasis(dates('2026-10-01', '2026-10-31'))).toBe('the previous calendar month');
    expect(prev('2026-03-01', '2026-03-31')).toBe('2026-02-01..2026-02-28');
    expect(prev('2026-08-01', '2026-10-31')).toBe('2026-05-01..2026-07-31');
  });

  it('whole years compare with the years before, ISO weeks with the weeks before', () => {
    expect(prev('2025-01-01', '2025-12-31')).toBe('2024-01-01..2024-12-31');
    expect(comparisonBasis(dates('2025-01-01', '2025-12-31'))).toBe('the previous calendar year');
    expect(prev('2026-11-16', '2026-11-22')).toBe('2026-11-09..2026-11-15');
    expect(comparisonBasis(dates('2026-11-09', '2026-11-22'))).toBe('the 2 weeks before');
    expect(calendarName(dates('2026-11-16', '2026-11-22'))).toBe('ISO week 47 of 2026');
    expect(calendarName(dates('2025-12-29', '2026-01-04'))).toBe('ISO week 1 of 2026');
  });

  it('other spans keep the equal-length comparison; last_30_days stays rolling even when it is a month', () => {
    expect(prev('2026-10-05', '2026-10-11')).toBe('2026-09-28..2026-10-04');
    const rolling = namedPeriod('last_30_days', tz, new Date('2026-12-01T09:00:00Z'));
    expect(`${rolling.start.slice(0, 10)}..${rolling.end.slice(0, 10)}`).toBe('2026-11-01..2026-11-30');
    expect(previousPeriod(rolling).start.slice(0, 10)).toBe('2026-10-02');
  });

  it('states the period and the comparison in one line', () => {
    expect(comparisonText(dates('2026-10-01', '2026-10-31'))).toBe('2026-10-01 – 2026-10-31 (October 2026) vs 2026-09-01 – 2026-09-30 (September 2026) (the previous calendar month)');
    expect(comparisonText(dates('2026-10-05', '2026-10-05'), 'not fetched')).toBe('2026-10-05 vs 2026-10-04 (the day before; not fetched)');
  });
});
