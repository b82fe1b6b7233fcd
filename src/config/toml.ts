/**
 * A TOML 1.0.0 parser (https://toml.io/en/v1.0.0) for `settings.toml` and
 * `.secrets.toml`, written from the specification so that reading the
 * configuration loads no npm package.
 *
 * Everything in TOML 1.0.0 is read except dates and times: offset
 * date-times, local date-times, local dates and local times are rejected
 * with their own error, since smr's settings never use them. Integers are
 * JavaScript numbers, so one beyond ±(2^53 − 1) is rejected rather than
 * rounded. A leading byte order mark is skipped.
 *
 * The result is plain objects (a key named `__proto__` is an own property),
 * arrays, strings, numbers and booleans. Syntax errors throw a
 * {@link TomlSyntaxError}: a whole document either parses or names the one
 * place to fix, and the reason quotes no value, only the letter of an
 * invalid escape (secrets live in these files).
 */

/** A parsed TOML table. */
export type TomlTable = { [key: string]: TomlValue };
/** A parsed TOML value. */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;

/** A document that is not valid TOML: why, and where (line and column from 1). */
export class TomlSyntaxError extends Error {
  override name = "TomlSyntaxError";
  constructor(readonly reason: string, readonly line: number, readonly column: number) {
    super(`${reason} at line ${line}, column ${column}`);
  }
}

/** Tables and arrays nested deeper than this are rejected, which bounds the recursion. */
export const MAX_DEPTH = 100;

/**
 * How a table came to be, which decides what may define or extend it later:
 * a header may define an `implicit` table (a super-table of an earlier
 * header) once; dotted keys extend only the tables dotted keys made; an
 * `inline` table is closed.
 */
type Kind = "implicit" | "header" | "dotted" | "inline";

class Table {
  readonly entries = new Map<string, Node>();
  constructor(public kind: Kind, readonly depth: number) {}
}

/** The target of `[[name]]` headers; a static array is a plain `Node[]`. */
class TableArray {
  readonly tables: Table[] = [];
}

type Node = string | number | boolean | Node[] | Table | TableArray;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
// Numbers as the specification has them: an underscore only between two
// digits, no leading zero, a sign only without a prefix, a digit either side
// of the point, and an exponent that may have leading zeros.
const DECIMAL_INTEGER = /^[+-]?(?:0|[1-9](?:_?[0-9])*)$/;
const PREFIXED_INTEGER =
  /^0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)$/;
const FLOAT =
  /^[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[eE][+-]?[0-9](?:_?[0-9])*)$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|nan)$/;
const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}/;
const ESCAPES: Record<string, string> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  '"': '"',
  "\\": "\\",
};

/** Parses a TOML document; throws {@link TomlSyntaxError} when it is not valid TOML 1.0.0. */
export function parse(text: string): TomlTable {
  return plain(new Parser(text).document()) as TomlTable;
}

/** A key as it would be written: bare when it can be, else quoted. */
function show(keys: readonly string[]): string {
  return keys.map((key) => BARE_KEY.test(key) ? key : JSON.stringify(key)).join(".");
}

/** True for the control characters TOML forbids in strings and comments (tab is allowed). */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== TAB) || code === 0x7f;
}

function isBareKeyChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2d;
}

/** Characters that end a number, boolean or other bare value. */
function endsToken(code: number): boolean {
  return Number.isNaN(code) || code === SPACE || code === TAB || code === LF || code === CR ||
    code === 0x2c || code === 0x5d || code === 0x7d || code === 0x23;
}

class Parser {
  pos = 0;
  readonly root = new Table("header", 0);

  constructor(readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  fail(reason: string, at = this.pos): never {
    const before = this.text.slice(0, at);
    const lineStart = before.lastIndexOf("\n") + 1;
    let line = 1;
    for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
    const column = [...before.slice(lineStart)].length + 1;
    throw new TomlSyntaxError(reason, line, column);
  }

  code(offset = 0): number {
    return this.text.charCodeAt(this.pos + offset);
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  document(): Table {
    let current = this.root;
    while (true) {
      this.skipBlank();
      if (this.done) return this.root;
      const code = this.code();
      if (code === 0x5b) {
        current = this.header();
        this.endLine("expected a new line after the table header");
      } else if (code === 0x23 || code === LF || code === CR) {
        this.endLine("expected a new line");
      } else {
        this.keyValue(current);
        this.endLine("expected a new line after the value");
      }
    }
  }

  /** Skips spaces and tabs. */
  skipBlank(): void {
    for (let code = this.code(); code === SPACE || code === TAB; code = this.code()) this.pos++;
  }

  /** Skips a comment up to (not over) the end of its line. */
  comment(): void {
    this.pos++;
    for (let code = this.code(); !this.done && code !== LF && code !== CR; code = this.code()) {
      if (isControl(code)) this.fail("control character in a comment");
      this.pos++;
    }
  }

  /** Consumes a newline (LF or CRLF) and returns true, or returns false. */
  newline(): boolean {
    const code = this.code();
    if (code === LF) {
      this.pos++;
      return true;
    }
    if (code === CR) {
      if (this.code(1) !== LF) this.fail("carriage return without line feed");
      this.pos += 2;
      return true;
    }
    return false;
  }

  /** Blanks, an optional comment, then a newline or the end of the document. */
  endLine(reason: string): void {
    this.skipBlank();
    if (this.code() === 0x23) this.comment();
    if (!this.done && !this.newline()) this.fail(reason);
  }

  /** Blanks, comments and newlines, as between the values of an array. */
  skipBlankLines(): void {
    while (true) {
      this.skipBlank();
      if (this.code() === 0x23) this.comment();
      if (!this.newline()) return;
    }
  }

  /** A simple or dotted key; blanks around the dots are ignored. */
  key(): string[] {
    const keys: string[] = [];
    while (true) {
      this.skipBlank();
      keys.push(this.simpleKey());
      this.skipBlank();
      if (this.code() !== 0x2e) return keys;
      this.pos++;
    }
  }

  simpleKey(): string {
    const code = this.code();
    if (code === QUOTE || code === APOSTROPHE) {
      if (this.code(1) === code && this.code(2) === code) {
        this.fail("a key cannot be a multi-line string");
      }
      return code === QUOTE ? this.basicString() : this.literalString();
    }
    const start = this.pos;
    while (isBareKeyChar(this.code())) this.pos++;
    if (this.pos === start) {
      const expected = this.done || "=.]},#\n\r".includes(this.text[this.pos]);
      this.fail(expected ? "expected a key" : "invalid character in a key");
    }
    return this.text.slice(start, this.pos);
  }

  /** `[a.b]` or `[[a.b]]`: the table that the following key/value pairs go into. */
  header(): Table {
    const array = this.code(1) === 0x5b;
    this.pos += array ? 2 : 1;
    this.skipBlank();
    const at = this.pos;
    const keys = this.key();
    if (this.code() !== 0x5d || (array && this.code(1) !== 0x5d)) {
      this.fail(array ? "expected ]] to close the header" : "expected ] to close the header");
    }
    this.pos += array ? 2 : 1;
    let table = this.root;
    for (let i = 0; i < keys.length - 1; i++) {
      const node = table.entries.get(keys[i]);
      if (node === undefined) {
        table = this.child(table, keys[i], "implicit", at);
      } else if (node instanceof TableArray) {
        table = node.tables[node.tables.length - 1];
      } else if (node instanceof Table && node.kind !== "inline") {
        table = node;
      } else {
        this.cannotExtend(node, keys.slice(0, i + 1), at);
      }
    }
    const last = keys[keys.length - 1];
    const node = table.entries.get(last);
    if (array) {
      if (node === undefined) {
        const tables = new TableArray();
        table.entries.set(last, tables);
        return this.push(tables, table.depth + 1, at);
      }
      if (node instanceof TableArray) return this.push(node, table.depth + 1, at);
      this.fail(`${show(keys)} is already defined and not an array of tables`, at);
    }
    if (node === undefined) return this.child(table, last, "header", at);
    if (node instanceof Table && node.kind === "implicit") {
      node.kind = "header";
      return node;
    }
    if (node instanceof Table && node.kind === "header") {
      this.fail(`table ${show(keys)} is defined twice`, at);
    }
    if (node instanceof Table && node.kind === "dotted") {
      this.fail(`table ${show(keys)} is already defined by dotted keys`, at);
    }
    if (node instanceof TableArray) this.fail(`${show(keys)} is an array of tables`, at);
    this.cannotExtend(node, keys, at);
  }

  child(table: Table, key: string, kind: Kind, at: number): Table {
    if (table.depth >= MAX_DEPTH) this.fail(`tables nested deeper than ${MAX_DEPTH} levels`, at);
    const child = new Table(kind, table.depth + 1);
    table.entries.set(key, child);
    return child;
  }

  push(tables: TableArray, depth: number, at: number): Table {
    if (depth > MAX_DEPTH) this.fail(`tables nested deeper than ${MAX_DEPTH} levels`, at);
    const table = new Table("header", depth);
    tables.tables.push(table);
    return table;
  }

  cannotExtend(node: Node, keys: string[], at: number): never {
    if (node instanceof Table && node.kind === "inline") {
      this.fail(`cannot extend inline table ${show(keys)}`, at);
    }
    this.fail(`${show(keys)} is already defined and not a table`, at);
  }

  /** `key = value` into `table`; dotted keys make (and may extend only their own) tables. */
  keyValue(table: Table): void {
    const at = this.pos;
    const keys = this.key();
    if (this.code() !== 0x3d) this.fail("expected =");
    this.pos++;
    this.skipBlank();
    for (let i = 0; i < keys.length - 1; i++) {
      const node = table.entries.get(keys[i]);
      if (node === undefined) {
        table = this.child(table, keys[i], "dotted", at);
      } else if (node instanceof Table && node.kind === "dotted") {
        table = node;
      } else if (node instanceof Table && node.kind !== "inline") {
        this.fail(`cannot extend table ${show(keys.slice(0, i + 1))} with dotted keys`, at);
      } else if (node instanceof TableArray) {
        this.fail(
          `cannot extend array of tables ${show(keys.slice(0, i + 1))} with dotted keys`,
          at,
        );
      } else {
        this.cannotExtend(node, keys.slice(0, i + 1), at);
      }
    }
    const last = keys[keys.length - 1];
    if (table.entries.has(last)) this.fail(`duplicate key ${show(keys)}`, at);
    table.entries.set(last, this.value(table.depth + 1));
  }

  value(depth: number): Node {
    const code = this.code();
    if (code === QUOTE) {
      return this.code(1) === QUOTE && this.code(2) === QUOTE
        ? this.multiLineString(QUOTE)
        : this.basicString();
    }
    if (code === APOSTROPHE) {
      return this.code(1) === APOSTROPHE && this.code(2) === APOSTROPHE
        ? this.multiLineString(APOSTROPHE)
        : this.literalString();
    }
    if (code === 0x5b) return this.array(depth);
    if (code === 0x7b) return this.inlineTable(depth);
    if (endsToken(code)) this.fail("expected a value");
    return this.scalar();
  }

  /** A boolean, integer or float: the text up to the next separator. */
  scalar(): number | boolean {
    const at = this.pos;
    while (!endsToken(this.code())) this.pos++;
    const token = this.text.slice(at, this.pos);
    if (token === "true") return true;
    if (token === "false") return false;
    if (SPECIAL_FLOAT.test(token)) {
      return token.endsWith("inf") ? (token[0] === "-" ? -Infinity : Infinity) : NaN;
    }
    if (DATE_OR_TIME.test(token)) {
      this.fail("dates and times are not supported (smr's settings never use them)", at);
    }
    if (DECIMAL_INTEGER.test(token) || PREFIXED_INTEGER.test(token)) {
      const value = BigInt(token.replaceAll("_", ""));
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        this.fail("integer beyond ±(2^53 − 1), which smr cannot hold exactly", at);
      }
      return Number(value);
    }
    if (FLOAT.test(token)) return Number(token.replaceAll("_", ""));
    if (!/^[+-]?[0-9]/.test(token)) this.fail("invalid value (text needs quotes)", at);
    // A pasted key (36C6AB…) or an address (192.168.1.10) starts like a number but is text.
    if (!/^[+-]?0[xob]/.test(token) && (/[^0-9_+\-.eE]/.test(token) || /\..*\./.test(token))) {
      this.fail("invalid value (text needs quotes)", at);
    }
    if (/^0[xob]_|(?:^|[^0-9A-Fa-f])_|_(?:$|[^0-9A-Fa-f])/.test(token)) {
      this.fail("invalid number: an underscore must sit between two digits", at);
    }
    if (/^[+-]?0[0-9_]/.test(token)) this.fail("invalid number: leading zeros are not allowed", at);
    this.fail("invalid number", at);
  }

  /** `"..."` with escapes, on one line. */
  basicString(): string {
    const at = this.pos++;
    let out = "";
    let from = this.pos;
    while (true) {
      const code = this.code();
      if (code === QUOTE) break;
      if (this.done || code === LF || code === CR) this.fail("unterminated string", at);
      if (code === BACKSLASH) {
        out += this.text.slice(from, this.pos) + this.escape();
        from = this.pos;
      } else {
        if (isControl(code)) this.fail("control character in a string");
        this.pos++;
      }
    }
    out += this.text.slice(from, this.pos++);
    return out;
  }

  /** The escape at the backslash under the cursor, which it passes. */
  escape(): string {
    const at = this.pos;
    const letter = this.text[this.pos + 1] ?? "";
    const simple = Object.hasOwn(ESCAPES, letter) ? ESCAPES[letter] : undefined;
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (letter === "u" || letter === "U") {
      const digits = this.text.slice(this.pos + 2, this.pos + (letter === "u" ? 6 : 10));
      if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length !== (letter === "u" ? 4 : 8)) {
        this.fail(`invalid escape \\${letter}: expected ${letter === "u" ? 4 : 8} hex digits`, at);
      }
      const scalar = parseInt(digits, 16);
      if (scalar > 0x10ffff || (scalar >= 0xd800 && scalar <= 0xdfff)) {
        this.fail(`invalid escape \\${letter}: not a Unicode scalar value`, at);
      }
      this.pos += 2 + digits.length;
      return String.fromCodePoint(scalar);
    }
    const code = letter.charCodeAt(0);
    this.fail(code > 0x20 && code < 0x7f ? `invalid escape \\${letter}` : "invalid escape", at);
  }

  /** `'...'`: no escapes, on one line. */
  literalString(): string {
    const at = this.pos++;
    const from = this.pos;
    while (true) {
      const code = this.code();
      if (code === APOSTROPHE) break;
      if (this.done || code === LF || code === CR) this.fail("unterminated string", at);
      if (isControl(code)) this.fail("control character in a string");
      this.pos++;
    }
    return this.text.slice(from, this.pos++);
  }

  /**
   * `"""..."""` (escapes, and a backslash at the end of a line joins the next
   * non-blank text) or `'''...'''` (verbatim). A newline right after the
   * opening quotes is dropped; newlines are kept as written (LF or CRLF).
   */
  multiLineString(quote: number): string {
    const at = this.pos;
    this.pos += 3;
    this.newline();
    let out = "";
    let from = this.pos;
    while (true) {
      const code = this.code();
      if (this.done) this.fail("unterminated multi-line string", at);
      if (code === quote) {
        let run = 1;
        while (this.code(run) === quote) run++;
        if (run < 3) {
          this.pos += run;
          continue;
        }
        if (run > 5) this.fail("three quotes in a row inside a multi-line string", this.pos);
        out += this.text.slice(from, this.pos + run - 3);
        this.pos += run;
        return out;
      }
      if (code === BACKSLASH && quote === QUOTE) {
        out += this.text.slice(from, this.pos);
        out += this.lineEndingBackslash() ? "" : this.escape();
        from = this.pos;
      } else if (code === CR) {
        this.newline();
      } else {
        if (isControl(code) && code !== LF) this.fail("control character in a string");
        this.pos++;
      }
    }
  }

  /**
   * At a backslash followed by blanks and a newline: skips them and every
   * blank and newline after, and returns true; else returns false.
   */
  lineEndingBackslash(): boolean {
    let end = this.pos + 1;
    for (let code = this.text.charCodeAt(end); code === SPACE || code === TAB;) {
      code = this.text.charCodeAt(++end);
    }
    const code = this.text.charCodeAt(end);
    if (code !== LF && !(code === CR && this.text.charCodeAt(end + 1) === LF)) return false;
    this.pos = end;
    while (true) {
      this.skipBlank();
      if (!this.newline()) return true;
    }
  }

  /** `[ ... ]`: values of any type; newlines, comments and a trailing comma allowed. */
  array(depth: number): Node[] {
    const at = this.pos++;
    if (depth > MAX_DEPTH) this.fail(`arrays nested deeper than ${MAX_DEPTH} levels`, at);
    const items: Node[] = [];
    while (true) {
      this.skipBlankLines();
      if (this.done) this.fail("unterminated array", at);
      if (this.code() === 0x5d) break;
      items.push(this.value(depth + 1));
      this.skipBlankLines();
      const code = this.code();
      if (code === 0x2c) this.pos++;
      else if (code === 0x5d) break;
      else if (this.done) this.fail("unterminated array", at);
      else this.fail("expected , or ] in an array");
    }
    this.pos++;
    return items;
  }

  /** `{ k = v, ... }` on one line, without a trailing comma; closed once read. */
  inlineTable(depth: number): Table {
    const at = this.pos++;
    if (depth > MAX_DEPTH) this.fail(`tables nested deeper than ${MAX_DEPTH} levels`, at);
    const table = new Table("dotted", depth);
    this.skipBlank();
    if (this.code() === 0x7d) {
      this.pos++;
      table.kind = "inline";
      return table;
    }
    while (true) {
      this.inlineLine(at);
      this.keyValue(table);
      this.skipBlank();
      const code = this.code();
      if (code === 0x7d) break;
      this.inlineLine(at);
      if (code !== 0x2c) this.fail("expected , or } in an inline table");
      this.pos++;
      this.skipBlank();
      if (this.code() === 0x7d) this.fail("trailing comma in an inline table");
    }
    this.pos++;
    table.kind = "inline";
    return table;
  }

  /** Fails at the end of the line or document inside an inline table. */
  inlineLine(at: number): void {
    if (this.done) this.fail("unterminated inline table", at);
    const code = this.code();
    if (code === LF || code === CR || code === 0x23) {
      this.fail("an inline table must stay on one line");
    }
  }
}

/** The parse tree as plain objects and arrays. */
function plain(node: Node): TomlValue {
  if (node instanceof Table) {
    const out: TomlTable = {};
    for (const [key, value] of node.entries) {
      if (key === "__proto__") {
        Object.defineProperty(out, key, {
          value: plain(value),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        out[key] = plain(value);
      }
    }
    return out;
  }
  if (node instanceof TableArray) return node.tables.map(plain);
  if (Array.isArray(node)) return node.map(plain);
  return node;
}
