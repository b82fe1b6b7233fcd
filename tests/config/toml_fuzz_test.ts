/**
 * Seeded fuzzing of smr's TOML parser, and a differential test against
 * smol-toml (the parser smr used before; here only as a reference).
 * Random documents mix every TOML 1.0.0 form from a small pool of names, so
 * some redefine a key or a table: both parsers must agree on accepting them
 * and on the result. Mutated documents and random text must only ever raise
 * a TomlSyntaxError. Deterministic: a failure names its case, and the same
 * seed replays it.
 */
// A test-only reference: deno.json names no npm package, so src/ cannot import one.
// deno-lint-ignore no-import-prefix
import { parse as reference } from "npm:smol-toml@1.9.1";
import { assertEquals, assertOk } from "../assert.ts";
import { parse, TomlSyntaxError } from "../../src/config/toml.ts";
import { seededRandom } from "../random.ts";

function generator(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => random() < p;

  const blank = () => pick(["", "", " ", "  ", "\t", " \t "]);
  const comment = () =>
    chance(0.2) ? `${blank()}# ${pick(["note", "ünï", "# x = 1", "'\"", ""])}` : "";

  /** Digits with underscores between some of them. */
  const underscored = (digits: string) =>
    [...digits].map((d, i) => i > 0 && chance(0.15) ? "_" + d : d).join("");
  const decimal = (max: number) => String(int(max));
  const nonZeroDecimal = () => String(1 + int(9)) + decimal(10 ** int(9)).slice(1);

  const integer = (): string => {
    switch (int(6)) {
      case 0:
        return pick(["0", "+0", "-0"]);
      case 1:
        return `0x${
          underscored(int(2 ** 40).toString(16)[chance(0.5) ? "toUpperCase" : "toString"]())
        }`;
      case 2:
        return `0o${underscored(int(2 ** 30).toString(8))}`;
      case 3:
        return `0b${underscored(int(2 ** 20).toString(2))}`;
      case 4:
        return `${pick(["", "+", "-"])}${underscored(String(int(2 ** 53)))}`;
      default:
        return `${pick(["", "+", "-"])}${underscored(decimal(10 ** (1 + int(6))))}`;
    }
  };

  const float = (): string => {
    if (chance(0.1)) return pick(["", "+", "-"]) + pick(["inf", "nan"]);
    const whole = chance(0.3) ? "0" : underscored(nonZeroDecimal());
    const fraction = chance(0.7)
      ? "." + underscored(decimal(10 ** (1 + int(8))).padStart(1, "0"))
      : "";
    const exponent = !fraction || chance(0.3)
      ? pick(["e", "E"]) + pick(["", "+", "-"]) + underscored(decimal(400))
      : "";
    return pick(["", "+", "-"]) + whole + fraction + exponent;
  };

  const unicode = () => pick(["é", "日本", "😀", "ʎǝʞ", "\u00a0", "\u2028", "\ufeff", "Ω"]);
  /** A Unicode scalar value: ASCII, the BMP either side of the surrogates, or beyond. */
  const scalar = () =>
    pick([int(0x80), int(0xd800), 0xe000 + int(0x2000), 0x10000 + int(0x100000)]);
  const escape = (): string => {
    switch (int(4)) {
      case 0:
        return pick(["\\b", "\\t", "\\n", "\\f", "\\r", '\\"', "\\\\"]);
      case 1: {
        const code = scalar();
        return code < 0x10000 ? "\\u" + code.toString(16).padStart(4, "0") : "\\u00e9";
      }
      case 2:
        return "\\U" + scalar().toString(16).padStart(8, "0");
      default:
        return pick(["\\u00E9", "\\U0001F600", "\\u0000", "\\u007F"]);
    }
  };
  /** Text allowed unescaped in every string form: no quotes, backslashes or control characters. */
  const plainText = () =>
    pick([
      "abc",
      "x y",
      "tab\there",
      "#not a comment",
      "=",
      "[a]",
      "{}",
      ",",
      unicode(),
      "1.5",
      "",
    ]);

  const basicString = () => {
    let out = '"';
    for (let n = int(5); n > 0; n--) out += chance(0.4) ? escape() : plainText();
    return out + '"';
  };
  const literalString = () => {
    let out = "'";
    for (let n = int(4); n > 0; n--) out += pick([plainText(), '"', "\\", "\\n"]);
    return out + "'";
  };
  const multiLineBasic = () => {
    let out = '"""' + pick(["", "\n", "\r\n"]);
    for (let n = int(6); n > 0; n--) {
      out += pick([plainText(), escape(), "\n", '"', '""', "\\\n   ", "\\  \n\n  ", "'''"]);
    }
    return out + pick(["", '"', '""']) + '"""';
  };
  const multiLineLiteral = () => {
    let out = "'''" + pick(["", "\n", "\r\n"]);
    for (let n = int(6); n > 0; n--) {
      out += pick([plainText(), "\n", "'", "''", "\\", '"""', "\\n"]);
    }
    return out + pick(["", "'", "''"]) + "'''";
  };

  const NAMES = [
    "a",
    "b",
    "c",
    "key",
    "bare-key_1",
    "1234",
    "true",
    "inf",
    "__proto__",
    "toString",
  ];
  const QUOTED = ['"a"', "'b'", '"k.ey"', '"ʎǝʞ"', "'q k'", '""', '"tab\\t"', '"\\u0061"'];
  const simpleKey = () => chance(0.8) ? pick(NAMES) : pick(QUOTED);
  const key = () => {
    let out = simpleKey();
    for (let n = chance(0.6) ? 0 : 1 + int(2); n > 0; n--) {
      out += `${blank()}.${blank()}${simpleKey()}`;
    }
    return out;
  };

  const array = (depth: number): string => {
    const items: string[] = [];
    for (let n = int(5); n > 0; n--) items.push(value(depth + 1));
    const gap = () => chance(0.3) ? `${comment()}\n${blank()}` : blank();
    let out = "[" + gap();
    items.forEach((item, i) => {
      out += item + gap();
      if (i < items.length - 1 || chance(0.3)) out += "," + gap();
    });
    return out + "]";
  };
  const inlineTable = (depth: number): string => {
    const pairs: string[] = [];
    for (let n = int(4); n > 0; n--) {
      pairs.push(`${key()}${blank()}=${blank()}${value(depth + 1, true)}`);
    }
    return pairs.length
      ? `{${blank()}${pairs.join(`${blank()},${blank()}`)}${blank()}}`
      : `{${blank()}}`;
  };

  /** A value; `inline` keeps it on one line (inside an inline table). */
  const value = (depth: number, inline = false): string => {
    const kinds = depth > 3 ? 7 : 9;
    switch (int(kinds)) {
      case 0:
        return integer();
      case 1:
        return float();
      case 2:
        return pick(["true", "false"]);
      case 3:
        return basicString();
      case 4:
        return literalString();
      case 5:
        return inline ? basicString() : multiLineBasic();
      case 6:
        return inline ? literalString() : multiLineLiteral();
      case 7:
        return inline ? inlineTable(depth) : array(depth);
      default:
        return inlineTable(depth);
    }
  };

  const keyValues = () => {
    let out = "";
    for (let n = int(4); n > 0; n--) {
      if (chance(0.2)) out += `${comment()}\n`;
      out += `${blank()}${key()}${blank()}=${blank()}${value(0)}${comment()}\n`;
    }
    return out;
  };
  const HEADERS = ["a", "b", "c", "a.b", "a.c", "b.a", "a.b.c", '"a".b', "x.y.z", "key.a"];
  const document = (): string => {
    let out = keyValues();
    for (let n = int(5); n > 0; n--) {
      const name = chance(0.8) ? pick(HEADERS) : key();
      out += chance(0.25) ? `[[${blank()}${name}${blank()}]]` : `[${blank()}${name}${blank()}]`;
      out += `${comment()}\n${keyValues()}`;
    }
    return chance(0.1) ? out.replaceAll("\n", "\r\n") : out;
  };

  /** Text that makes TOML syntax likely: punctuation, digits, names, quotes and stray code units. */
  const PIECES = [
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    " = ",
    ".",
    ",",
    "#",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\u",
    "\\U",
    "_",
    "0",
    "1",
    "9",
    "0x",
    "0o",
    "0b",
    "e",
    "+",
    "-",
    ":",
    "T",
    "inf",
    "nan",
    "true",
    "a",
    "b",
    "__proto__",
    "\u0000",
    "\u007f",
    "\ud800",
    "😀",
    "é",
  ];
  const noise = (length: number): string => {
    let out = "";
    while (out.length < length) {
      out += chance(0.8) ? pick(PIECES) : String.fromCharCode(int(0x10000));
    }
    return out;
  };
  /** 1 to 3 edits: delete, insert noise, repeat or truncate. */
  const mutate = (text: string): string => {
    for (let n = 1 + int(3); n > 0; n--) {
      const at = int(text.length + 1);
      const span = 1 + int(8);
      switch (int(5)) {
        case 0:
          text = text.slice(0, at) + text.slice(at + span);
          break;
        case 1:
        case 2:
          text = text.slice(0, at) + noise(1 + int(3)) + text.slice(at);
          break;
        case 3:
          text = text.slice(0, at) + text.slice(at, at + span * 4) + text.slice(at);
          break;
        default:
          text = text.slice(0, at);
      }
    }
    return text;
  };
  return { document, mutate, noise, int };
}

/** smol-toml's tables have no prototype: rebuilt as plain objects to compare. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Where smol-toml 1.9.1 departs from TOML 1.0.0: after a line-ending
 * backslash it drops the one or two quotes before the closing `"""`
 * (`"""x\\⏎""""` is `x"` by the ABNF; smol-toml reads `x`).
 */
const SMOL_TOML_QUOTES_AFTER_BACKSLASH = /\\[ \t]*\r?\n[ \t\r\n]*"{4,5}/;

/**
 * The other departure: a table that `[[a.b.c]]` made and `[a.b]` then
 * defined takes dotted keys from `[a]` (`b.x = 1`) in smol-toml, which
 * refuses them when `[a.b.c]` made it. Dotted keys never extend a table
 * defined by a header, so ours refuses both.
 */
function smolTomlExtendsHeaderTable(text: string, mine: Outcome, ref: Outcome): boolean {
  return text.includes("[[") && ref.ok && !mine.ok && mine.error instanceof TomlSyntaxError &&
    /^cannot extend table .* with dotted keys$/.test(mine.error.reason);
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function ours(text: string): Outcome {
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

function theirs(text: string): Outcome | undefined {
  if (SMOL_TOML_QUOTES_AFTER_BACKSLASH.test(text)) return undefined;
  try {
    return { ok: true, value: plain(reference(text)) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Ours either parses or raises a TomlSyntaxError with a position inside the text. */
function checkOurs(text: string, label: string): Outcome {
  const result = ours(text);
  if (!result.ok) {
    const error = result.error;
    assertOk(error instanceof TomlSyntaxError, `${label}: ${error}\n${JSON.stringify(text)}`);
    const lines = text.split("\n");
    assertOk(error.line >= 1 && error.line <= lines.length, `${label}: line ${error.line}`);
    assertOk(
      error.column >= 1 && error.column <= [...lines[error.line - 1]].length + 1,
      `${label}: column ${error.column}`,
    );
  }
  return result;
}

Deno.test("fuzz: 20000 random documents parse as smol-toml parses them, or both refuse", () => {
  const { document } = generator(0x70_0001);
  let accepted = 0;
  for (let n = 0; n < 20_000; n++) {
    const text = document();
    const label = `case ${n}`;
    const mine = checkOurs(text, label);
    const ref = theirs(text);
    if (!ref || smolTomlExtendsHeaderTable(text, mine, ref)) continue;
    const detail = `${label}: ours ${mine.ok ? "parses" : mine.error}, smol-toml ${
      ref.ok ? "parses" : ref.error
    }\n${JSON.stringify(text)}`;
    assertEquals(mine.ok, ref.ok, detail);
    if (mine.ok && ref.ok) {
      assertEquals(mine.value, ref.value, detail);
      accepted++;
    }
  }
  assertOk(accepted > 8000, `only ${accepted} documents were valid`);
});

Deno.test("fuzz: 60000 mutated documents raise nothing but TomlSyntaxError; what parses, smol-toml parses alike", () => {
  const { document, mutate } = generator(0x70_0002);
  let accepted = 0;
  for (let n = 0; n < 60_000; n++) {
    const text = mutate(document());
    const label = `case ${n}`;
    const mine = checkOurs(text, label);
    if (!mine.ok) continue;
    accepted++;
    const ref = theirs(text);
    if (!ref) continue;
    assertOk(
      ref.ok,
      `${label}: ours parses, smol-toml: ${!ref.ok && ref.error}\n${JSON.stringify(text)}`,
    );
    assertEquals(mine.value, ref.value, `${label}\n${JSON.stringify(text)}`);
  }
  assertOk(accepted > 3000, `only ${accepted} mutated documents parsed`);
});

Deno.test("fuzz: 50000 random texts raise nothing but TomlSyntaxError", () => {
  const { noise, int } = generator(0x70_0003);
  for (let n = 0; n < 50_000; n++) {
    const text = noise(int(120));
    const mine = checkOurs(text, `case ${n}`);
    if (mine.ok) {
      const ref = theirs(text);
      if (!ref) continue;
      assertOk(ref.ok, `case ${n}: ours parses, smol-toml does not\n${JSON.stringify(text)}`);
      assertEquals(mine.value, ref.value, `case ${n}\n${JSON.stringify(text)}`);
    }
  }
});
