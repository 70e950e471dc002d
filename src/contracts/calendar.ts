// Proleptic Gregorian calendar arithmetic shared by the contract checks (vocabulary.ts) and normalisation
// (values.ts): exact for any year, with no `Date.UTC`, which reads years 0–99 as 1900–1999.

export const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

export const MICROS_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), any year. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The instants a timestamp may hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, UTC. */
export const MIN_TIMESTAMP_MICROS = BigInt(daysFromCivil(1, 1, 1)) * MICROS_PER_DAY;
export const MAX_TIMESTAMP_MICROS = BigInt(daysFromCivil(10000, 1, 1)) * MICROS_PER_DAY - 1n;

/** Microseconds since the epoch, UTC, of a `TIMESTAMP_PATTERN` match (the offset applied; fraction cut to µs). */
export function timestampMatchMicros(m: RegExpExecArray): bigint {
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  let seconds = (Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6]);
  if (m[9]) seconds -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60;
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(days) * MICROS_PER_DAY + BigInt(seconds) * 1_000_000n + BigInt(fraction);
}
