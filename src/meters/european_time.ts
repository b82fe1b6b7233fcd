/**
 * Central European wall-clock time: the offset of a local time in the zone
 * most European meters keep (CET, +01:00; CEST, +02:00 in summer), for meters
 * that send a local time without saying which.
 */

function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month, 0));
  return last.getUTCDate() - last.getUTCDay();
}

/**
 * True when a local wall-clock time in Central Europe is summer time under
 * the EU rule (last Sunday of March 02:00 to last Sunday of October 03:00).
 * Nonexistent March times count as winter, the repeated October hour as
 * summer (what a reader picks without more to go on).
 */
export function isEuropeanSummer(year: number, month: number, day: number, hour: number): boolean {
  if (month < 3 || month > 10) return false;
  if (month > 3 && month < 10) return true;
  const switchDay = lastSunday(year, month);
  if (month === 3) return day > switchDay || (day === switchDay && hour >= 3);
  return day < switchDay || (day === switchDay && hour < 3);
}

/** The offset of a Central European local time: `+02:00` in summer, else `+01:00`. */
export function europeanOffset(year: number, month: number, day: number, hour: number): string {
  return isEuropeanSummer(year, month, day, hour) ? "+02:00" : "+01:00";
}
