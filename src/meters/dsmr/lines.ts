/**
 * The line grammar of a P1 telegram body: `obis 1*group`, where
 * `obis = A-B:C.D.E[*F]` and `group = "(" [value ["*" unit]] ")"`.
 *
 * Every line shape of DSMR 2.2 … 5 and the country variants fits this one
 * grammar: multi-group lines (power-failure log `99.97.0`, M-Bus readings
 * `(TST)(value*unit)`, Belgian peaks `98.1.0`) are just objects with several
 * groups, and a line that starts with `(` continues the previous object
 * (the DSMR 2.2 gas value under `0-n:24.3.0`). Group contents are kept as
 * text, so odd characters never break a line; lines that do not fit the
 * grammar are set aside, never fatal.
 */

/** One `(…)` group: the text before the first `*` and the unit after it. */
export interface Group {
  /** Raw value text, `""` for an empty group `()`. */
  value: string;
  /** Unit as sent (`kWh`, `m3`, `kVArh`); absent when the group has no `*`. */
  unit?: string;
}

/** One COSEM object of a telegram: its OBIS code and its groups in order. */
export interface DsmrObject {
  /**
   * Reduced OBIS code `A-B:C.D.E`. The `*255` (or `.255`) suffix of Q3D and
   * some DSMR 4.2 meters is dropped; any other F is kept as `*F`.
   */
  code: string;
  groups: Group[];
}

/** The objects of a telegram body and the lines that did not parse. */
export interface ParsedLines {
  objects: DsmrObject[];
  /** Non-empty lines that are not `obis 1*group` (kept for diagnostics). */
  skipped: string[];
}

const OPEN = 0x28;
const CLOSE = 0x29;
const STAR = 0x2a;
const CR = 0x0d;

/** Index after 1 to 3 digits at `at`, or -1. */
function digits(text: string, at: number, end: number): number {
  let i = at;
  while (i < end && i - at < 3) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i === at ? -1 : i;
}

/** The separators after the A, B, C and D fields of an OBIS code: `-`, `:`, `.`, `.`. */
const SEPARATORS = [0x2d, 0x3a, 0x2e, 0x2e];

/**
 * Index after `A-B:C.D.E` (each field 1 to 3 digits) at `at`, or -1 when the
 * line does not start with one.
 */
function obisEnd(text: string, at: number, end: number): number {
  let field = 0;
  let count = 0;
  for (let i = at; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++count > 3) return -1;
    } else if (count === 0) {
      return -1;
    } else if (field === 4) {
      return i;
    } else if (c === SEPARATORS[field]) {
      field++;
      count = 0;
    } else {
      return -1;
    }
  }
  return field === 4 && count > 0 ? end : -1;
}

/** Parses `1*group` from `at` to the line end into `out`; false if anything else is there. */
function groups(text: string, at: number, end: number, out: Group[]): boolean {
  const before = out.length;
  let i = at;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== OPEN) {
      if (c !== 0x20 && c !== 0x09) return false;
      i++;
      continue;
    }
    let star = -1;
    let close = i + 1;
    for (; close < end; close++) {
      const d = text.charCodeAt(close);
      if (d === CLOSE) break;
      if (d === STAR && star < 0) star = close;
    }
    if (close >= end) return false;
    out.push(
      star >= 0
        ? { value: text.slice(i + 1, star), unit: text.slice(star + 1, close) }
        : { value: text.slice(i + 1, close) },
    );
    i = close + 1;
  }
  return out.length > before;
}

/**
 * Parses one object line; undefined when it is not `obis 1*group`. The
 * `*255` or `.255` suffix is dropped, any other F kept as `*F`.
 */
function objectLine(text: string, at: number, end: number): DsmrObject | undefined {
  const e = obisEnd(text, at, end);
  if (e < 0) return undefined;
  let code: string;
  let next = e;
  const mark = e < end ? text.charCodeAt(e) : 0;
  if (mark === STAR || mark === 0x2e) {
    next = digits(text, e + 1, end);
    if (next < 0) return undefined;
    const f = text.slice(e + 1, next);
    code = f === "255" ? text.slice(at, e) : `${text.slice(at, e)}*${f}`;
  } else {
    code = text.slice(at, e);
  }
  const list: Group[] = [];
  return groups(text, next, end, list) ? { code, groups: list } : undefined;
}

/**
 * Parses the body lines of a telegram in `text[start, end)` (after the header,
 * before the `!`). CR LF and bare LF line ends are both accepted; empty lines
 * are ignored.
 */
export function parseLines(text: string, start = 0, end: number = text.length): ParsedLines {
  const objects: DsmrObject[] = [];
  const skipped: string[] = [];
  let previous: DsmrObject | undefined;
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    const next = lineEnd + 1;
    while (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    if (lineEnd > lineStart) {
      if (text.charCodeAt(lineStart) === OPEN) {
        const length = previous?.groups.length ?? 0;
        if (!previous || !groups(text, lineStart, lineEnd, previous.groups)) {
          previous?.groups.splice(length);
          previous = undefined;
          skipped.push(text.slice(lineStart, lineEnd));
        }
      } else {
        previous = objectLine(text, lineStart, lineEnd);
        if (previous) objects.push(previous);
        else skipped.push(text.slice(lineStart, lineEnd));
      }
    }
    lineStart = next;
  }
  return { objects, skipped };
}
