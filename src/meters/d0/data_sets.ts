/**
 * The data lines of an IEC 62056-21 readout: data sets `ID(value*unit)`,
 * one or several on a line, each with one or more value groups `(…)`.
 *
 * The ID is kept exactly as sent and also read as an OBIS code where it is
 * one: in full (`1-0:1.8.0*255`), reduced (`1.8.0`, `1.8`, `6.26*01`), with
 * the letters of abstract codes (`C.1.0`, `F.F`, `F`: C, F, L, P stand for
 * 96, 97, 98, 99). A group is split at `&` into its values (the ULTRAHEAT
 * `9.4(088*C&082*C)`, `9.36(2017-01-18&01:36:47)`) and each value at its
 * first `*` into text and unit. Values stay text exactly as sent (leading
 * zeros, spaces, signs): the tables normalise them. Text that does not fit
 * the grammar is set aside, never fatal.
 */

/** One value of a group: the text before the first `*` and the unit after it. */
export interface D0Value {
  /** Raw value text, `""` for an empty group `()`. */
  value: string;
  /** Unit as sent (`kWh`, `m3`, `m3ph`, `C`); absent when there is no `*`. */
  unit?: string;
}

/**
 * The value groups of an ID as numbers; groups the ID leaves out are
 * undefined (`6.8` has only C and D).
 */
export interface D0Code {
  a?: number;
  b?: number;
  c: number;
  d?: number;
  e?: number;
  f?: number;
}

/** One data set: its ID as sent, the ID as an OBIS code, and its groups. */
export interface DataSet {
  /** The ID exactly as sent, surrounding spaces removed (`1-0:1.8.0*255`, `F.F`, `6.26*01`). */
  id: string;
  /** The ID as an OBIS code; undefined when it is none. */
  code?: D0Code;
  /** One entry per `(…)` group, each holding the group's `&`-separated values. */
  groups: D0Value[][];
}

/** The data sets of a readout and the text that did not parse. */
export interface ParsedDataSets {
  sets: DataSet[];
  /** Non-empty pieces of lines that are no data set (kept for diagnostics). */
  skipped: string[];
}

const OPEN = 0x28;
const CLOSE = 0x29;
const CR = 0x0d;
const LF = 0x0a;

/** Letters that stand for a number in value group C or D. */
const LETTERS: Readonly<Record<string, number>> = { C: 96, F: 97, L: 98, P: 99 };

const CODE =
  /^(?:(\d{1,3})-)?(?:(\d{1,3}):)?(\d{1,3}|[CFLP])(?:\.(\d{1,3}|[CFLP]))?(?:\.(\d{1,3}))?(?:[.*](\d{1,3}))?$/;

function group(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return LETTERS[text] ?? Number(text);
}

/**
 * An ID as an OBIS code, `[A-][B:]C[.D[.E]][*F]` (a fourth dotted group is
 * F too, as in `1.8.0.255`), or undefined when it is none or a group
 * exceeds 255.
 */
export function parseCode(id: string): D0Code | undefined {
  const match = CODE.exec(id);
  if (!match) return undefined;
  const [a, b, c, d, e, f] = match.slice(1).map(group);
  const code: D0Code = { c: c! };
  if (a !== undefined) code.a = a;
  if (b !== undefined) code.b = b;
  if (d !== undefined) code.d = d;
  if (e !== undefined) code.e = e;
  if (f !== undefined) code.f = f;
  for (const value of [a, b, c, d, e, f]) if (value !== undefined && value > 255) return undefined;
  return code;
}

/** A code as normalised text: the groups it has, letters as numbers (`F.F` → `97.97`). */
export function formatCode(code: D0Code): string {
  let text = code.a !== undefined ? `${code.a}-` : "";
  if (code.b !== undefined) text += `${code.b}:`;
  text += String(code.c);
  if (code.d !== undefined) text += `.${code.d}`;
  if (code.e !== undefined) text += `.${code.e}`;
  if (code.f !== undefined) text += `*${code.f}`;
  return text;
}

/** The group text as values: split at `&`, each value at its first `*`. */
function values(text: string): D0Value[] {
  const out: D0Value[] = [];
  let from = 0;
  for (;;) {
    let amp = text.indexOf("&", from);
    if (amp < 0) amp = text.length;
    const star = text.indexOf("*", from);
    out.push(
      star >= 0 && star < amp
        ? { value: text.slice(from, star), unit: text.slice(star + 1, amp) }
        : { value: text.slice(from, amp) },
    );
    if (amp === text.length) return out;
    from = amp + 1;
  }
}

/** Whether `text[from, to)` can be an ID: no parentheses, `/`, `!` or control characters. */
function plausibleId(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === CLOSE || c === 0x2f || c === 0x21) return false;
  }
  return true;
}

/**
 * Parses the data sets of one line `text[start, end)` into `out`; returns
 * the set the next line may continue (a line that starts with `(`), and
 * pushes what does not parse to `skipped`.
 */
function line(
  text: string,
  start: number,
  end: number,
  previous: DataSet | undefined,
  out: DataSet[],
  skipped: string[],
): DataSet | undefined {
  let i = start;
  while (i < end) {
    while (i < end && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
    if (i >= end) break;
    const open = text.indexOf("(", i);
    if (open < 0 || open >= end || !plausibleId(text, i, open)) {
      skipped.push(text.slice(i, end));
      return undefined;
    }
    const groups: D0Value[][] = [];
    let at = open;
    while (at < end && text.charCodeAt(at) === OPEN) {
      let close = at + 1;
      while (close < end && text.charCodeAt(close) !== CLOSE && text.charCodeAt(close) !== OPEN) {
        close++;
      }
      if (close >= end || text.charCodeAt(close) !== CLOSE) break;
      groups.push(values(text.slice(at + 1, close)));
      at = close + 1;
      let next = at;
      while (next < end && text.charCodeAt(next) === 0x20) next++;
      if (next < end && text.charCodeAt(next) === OPEN) at = next;
    }
    if (groups.length === 0) {
      skipped.push(text.slice(i, end));
      return undefined;
    }
    const id = text.slice(i, open).trim();
    if (id === "") {
      if (!previous) {
        skipped.push(text.slice(i, at));
      } else {
        previous.groups.push(...groups);
      }
    } else {
      const set: DataSet = { id, groups };
      const code = parseCode(id);
      if (code) set.code = code;
      out.push(set);
      previous = set;
    }
    i = at;
    if (i < end && text.charCodeAt(i) === OPEN) {
      // A group that does not close on this line.
      skipped.push(text.slice(i, end));
      return undefined;
    }
  }
  return previous;
}

/**
 * Parses the data lines in `text[start, end)` (after the identification
 * line, before the closing `!`). CR LF and bare LF both end a line; empty
 * lines are ignored; a line that starts with `(` continues the set before.
 */
export function parseDataSets(
  text: string,
  start = 0,
  end: number = text.length,
): ParsedDataSets {
  const sets: DataSet[] = [];
  const skipped: string[] = [];
  let previous: DataSet | undefined;
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    const next = lineEnd + 1;
    while (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    if (lineEnd > lineStart) previous = line(text, lineStart, lineEnd, previous, sets, skipped);
    lineStart = next;
  }
  return { sets, skipped };
}

/**
 * Index of the `!` that ends the data in `text[start, end)`: the first `!`
 * outside a value group (a group ends at its `)` or at the line end), or -1.
 */
export function dataEnd(text: string, start = 0, end: number = text.length): number {
  let inGroup = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN) inGroup = true;
    else if (c === CLOSE || c === LF || c === CR) inGroup = false;
    else if (c === 0x21 && !inGroup) return i;
  }
  return -1;
}

/** A group's values as the text they were sent as (`088*C&082*C`). */
export function groupText(group: readonly D0Value[]): string {
  return group.map((v) => v.unit === undefined ? v.value : `${v.value}*${v.unit}`).join("&");
}
