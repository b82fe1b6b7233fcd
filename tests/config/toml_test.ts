/**
 * smr's TOML 1.0.0 parser, feature by feature with the examples of the
 * specification (https://toml.io/en/v1.0.0), its invalid examples, and where
 * errors point.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { MAX_DEPTH, parse, TomlSyntaxError } from "../../src/config/toml.ts";

/** The error of a document that must not parse. */
function errorOf(text: string): { reason: string; line: number; column: number } {
  try {
    parse(text);
  } catch (error) {
    assertOk(error instanceof TomlSyntaxError, `not a TomlSyntaxError: ${error}`);
    return { reason: error.reason, line: error.line, column: error.column };
  }
  throw new Error(`parsed: ${JSON.stringify(text)}`);
}

function rejects(text: string, reason?: RegExp): void {
  const error = errorOf(text);
  if (reason) assertOk(reason.test(error.reason), `${JSON.stringify(text)}: ${error.reason}`);
}

/** The value of `a = <text>`. */
function value(text: string): unknown {
  return parse(`a = ${text}`).a;
}

Deno.test("toml: comments, blank lines and an empty document", () => {
  assertEquals(parse(""), {});
  assertEquals(parse("# only a comment\n\n  \t\n"), {});
  assertEquals(
    parse('# This is a full-line comment\nkey = "value"  # This is a comment at the end\n'),
    { key: "value" },
  );
  assertEquals(parse('another = "# This is not a comment"'), {
    another: "# This is not a comment",
  });
  assertEquals(parse("a = 1\r\n# crlf\r\nb = 2\r\n"), { a: 1, b: 2 });
  assertEquals(parse("\ufeffa = 1"), { a: 1 });
  rejects("a = 1 # bell \u0007", /control character in a comment/);
  rejects("# del \u007f", /control character in a comment/);
  rejects("a = 1\rb = 2", /carriage return/);
});

Deno.test("toml: bare, quoted and dotted keys", () => {
  assertEquals(
    parse(
      'key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\n"127.0.0.1" = 5\n' +
        '"character encoding" = 6\n"ʎǝʞ" = 7\n\'key2\' = 8\n\'quoted "value"\' = 9\n"" = 10',
    ),
    {
      key: 1,
      bare_key: 2,
      "bare-key": 3,
      "1234": 4,
      "127.0.0.1": 5,
      "character encoding": 6,
      "ʎǝʞ": 7,
      key2: 8,
      'quoted "value"': 9,
      "": 10,
    },
  );
  assertEquals(
    parse(
      'name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\n' +
        'site."google.com" = true\nfruit. color = "yellow"\nfruit . flavor = "banana"',
    ),
    {
      name: "Orange",
      physical: { color: "orange", shape: "round" },
      site: { "google.com": true },
      fruit: { color: "yellow", flavor: "banana" },
    },
  );
  assertEquals(parse("3.14159 = 'pi'"), { "3": { "14159": "pi" } });
  assertEquals(parse('"a\\u0062" = 1\ntrue = 2\ninf = 3'), { ab: 1, true: 2, inf: 3 });
  // Out-of-order dotted keys are valid, if discouraged.
  assertEquals(
    parse("apple.type = 1\norange.type = 2\napple.skin = 3"),
    { apple: { type: 1, skin: 3 }, orange: { type: 2 } },
  );
});

Deno.test("toml: invalid keys", () => {
  rejects("key = # no value", /expected a value/);
  rejects("key =", /expected a value/);
  rejects("key\n= 1", /expected =/);
  rejects('first = "Tom" last = "Preston-Werner"', /new line after the value/);
  rejects('= "no key name"', /expected a key/);
  rejects("bare key = 1", /expected =/);
  rejects("a..b = 1", /expected a key/);
  rejects(".a = 1", /expected a key/);
  rejects("a. = 1", /expected a key/);
  rejects("ключ = 1", /invalid character in a key/);
  rejects('"""key""" = 1', /multi-line string/);
  rejects("'''key''' = 1", /multi-line string/);
  rejects('"key = 1', /unterminated string/);
});

Deno.test("toml: duplicate keys and dotted keys over values", () => {
  assertEquals(errorOf('name = "Tom"\nname = "Pradyun"'), {
    reason: "duplicate key name",
    line: 2,
    column: 1,
  });
  assertEquals(
    errorOf('spelling = "favorite"\n"spelling" = "favourite"').reason,
    "duplicate key spelling",
  );
  assertEquals(
    errorOf('[t210]\nmeter.key = "a"\nmeter.key = "b"').reason,
    "duplicate key meter.key",
  );
  rejects(
    "fruit.apple = 1\nfruit.apple.smooth = true",
    /fruit\.apple is already defined and not a table/,
  );
  rejects("a = {}\na.b = 1", /cannot extend inline table a/);
  rejects('"a b".c = 1\n"a b".c = 2', /duplicate key "a b"\.c/);
});

Deno.test("toml: tables, super-tables and dotted keys inside them", () => {
  assertEquals(
    parse('[table-1]\nkey1 = "some string"\nkey2 = 123\n\n[table-2]\nkey1 = "another string"\n'),
    { "table-1": { key1: "some string", key2: 123 }, "table-2": { key1: "another string" } },
  );
  assertEquals(parse('[dog."tater.man"]\ntype.name = "pug"'), {
    dog: { "tater.man": { type: { name: "pug" } } },
  });
  assertEquals(parse("[ j . \"ʞ\" . 'l' ]\n[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]"), {
    j: { "ʞ": { l: {} } },
    a: { b: { c: {} } },
    d: { e: { f: {} } },
    g: { h: { i: {} } },
  });
  // A super-table may be defined after its sub-tables.
  assertEquals(parse("[x.y.z.w]\n[x]\na = 1"), { x: { y: { z: { w: {} } }, a: 1 } });
  assertEquals(parse("[a.b.c]\nanswer = 42\n[a]\nbetter = 43"), {
    a: { b: { c: { answer: 42 } }, better: 43 },
  });
  // Top-level keys come before the first header.
  assertEquals(parse('name = "Fido"\n[owner]\nname = "Regina"'), {
    name: "Fido",
    owner: { name: "Regina" },
  });
  assertEquals(
    parse(
      '[fruit]\napple.color = "red"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true',
    ),
    { fruit: { apple: { color: "red", taste: { sweet: true }, texture: { smooth: true } } } },
  );
});

Deno.test("toml: tables and keys defined twice", () => {
  assertEquals(errorOf('[fruit]\napple = "red"\n\n[fruit]\norange = "orange"'), {
    reason: "table fruit is defined twice",
    line: 4,
    column: 2,
  });
  rejects(
    '[fruit]\napple = "red"\n[fruit.apple]\ntexture = "smooth"',
    /already defined and not a table/,
  );
  rejects("[a]\nb = 1\n[a.b]", /a\.b is already defined/);
  rejects("[a.b]\n[a]\n[a]", /table a is defined twice/);
  // Tables made by dotted keys cannot get a header, nor the other way round.
  rejects(
    '[fruit]\napple.color = "red"\n[fruit.apple]',
    /table fruit\.apple is already defined by dotted keys/,
  );
  rejects("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]", /by dotted keys/);
  rejects("a.b = 1\n[a]", /table a is already defined by dotted keys/);
  rejects("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", /cannot extend table b with dotted keys/);
  rejects("[a.b]\nc = 1\n[a]\nb.d = 2", /cannot extend table b with dotted keys/);
  rejects("[[a.b.c]]\n[a.b]\n[a]\nb.x = 1", /cannot extend table b with dotted keys/);
  rejects("[a]\nb = 1\n[a]\nc = 2", /defined twice/);
  rejects("[a]\n[a.b]\nc = 1\n[a]\nb = 2", /defined twice/);
  rejects("[a.b]\nc = 1\n[a]\nb = 2", /duplicate key b/);
  rejects("[]", /expected a key/);
  rejects("[a", /expected \] to close the header/);
  rejects("[a]b = 1", /new line after the table header/);
});

Deno.test("toml: inline tables", () => {
  assertEquals(
    parse(
      'name = { first = "Tom", last = "Preston-Werner" }\npoint = { x = 1, y = 2 }\n' +
        'animal = { type.name = "pug" }\nempty = {}\nspaced = {  }\nnested = { a = { b = [1, { c = 2 }] } }',
    ),
    {
      name: { first: "Tom", last: "Preston-Werner" },
      point: { x: 1, y: 2 },
      animal: { type: { name: "pug" } },
      empty: {},
      spaced: {},
      nested: { a: { b: [1, { c: 2 }] } },
    },
  );
  // Newlines only inside values.
  assertEquals(value('{ a = [\n1,\n2], s = """x\ny""" }'), { a: [1, 2], s: "x\ny" });
  rejects(
    '[product]\ntype = { name = "Nail" }\ntype.edible = false',
    /cannot extend inline table type/,
  );
  rejects('[product]\ntype.name = "Nail"\ntype = { edible = false }', /duplicate key type/);
  rejects("a = {}\n[a.b]", /cannot extend inline table a/);
  rejects("a = {}\n[a]", /cannot extend inline table a/);
  rejects("a = { b = 1, b = 2 }", /duplicate key b/);
  rejects("a = { b = {}, b.c = 1 }", /cannot extend inline table b/);
  rejects("a = { b = 1, }", /trailing comma in an inline table/);
  rejects("a = { b = 1\n}", /one line/);
  rejects("a = {\nb = 1 }", /one line/);
  rejects("a = { b = 1 # c\n}", /one line/);
  rejects("a = { b = 1 c = 2 }", /expected , or \}/);
  rejects("a = { b = 1", /unterminated inline table/);
  rejects("a = { , }", /expected a key/);
});

Deno.test("toml: arrays", () => {
  assertEquals(
    parse(
      'integers = [ 1, 2, 3 ]\ncolors = [ "red", "yellow", "green" ]\n' +
        "nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n" +
        'nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]\n' +
        "string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", '''type''' ]\n" +
        "numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\n" +
        'contributors = [\n  "Foo Bar <foo@example.com>",\n  { name = "Baz Qux", email = "bazqux@example.com" }\n]\n' +
        "integers2 = [\n  1, 2, 3\n]\nintegers3 = [\n  1,\n  2, # this is ok\n]\nempty = [ # nothing\n]",
    ),
    {
      integers: [1, 2, 3],
      colors: ["red", "yellow", "green"],
      nested_arrays_of_ints: [[1, 2], [3, 4, 5]],
      nested_mixed_array: [[1, 2], ["a", "b", "c"]],
      string_array: ["all", "strings", "are the same", "type"],
      numbers: [0.1, 0.2, 0.5, 1, 2, 5],
      contributors: ["Foo Bar <foo@example.com>", { name: "Baz Qux", email: "bazqux@example.com" }],
      integers2: [1, 2, 3],
      integers3: [1, 2],
      empty: [],
    },
  );
  rejects("a = [1,,2]", /expected a value/);
  rejects("a = [,]", /expected a value/);
  rejects("a = [1 2]", /expected , or \]/);
  rejects("a = [1,", /unterminated array/);
  rejects("a = [", /unterminated array/);
});

Deno.test("toml: arrays of tables", () => {
  assertEquals(
    parse(
      '[[products]]\nname = "Hammer"\nsku = 738594937\n\n[[products]]  # empty table\n\n' +
        '[[products]]\nname = "Nail"\nsku = 284758393\ncolor = "gray"',
    ),
    {
      products: [{ name: "Hammer", sku: 738594937 }, {}, {
        name: "Nail",
        sku: 284758393,
        color: "gray",
      }],
    },
  );
  assertEquals(
    parse(
      '[[fruits]]\nname = "apple"\n[fruits.physical]\ncolor = "red"\nshape = "round"\n' +
        '[[fruits.varieties]]\nname = "red delicious"\n[[fruits.varieties]]\nname = "granny smith"\n' +
        '[[fruits]]\nname = "banana"\n[[fruits.varieties]]\nname = "plantain"',
    ),
    {
      fruits: [
        {
          name: "apple",
          physical: { color: "red", shape: "round" },
          varieties: [{ name: "red delicious" }, { name: "granny smith" }],
        },
        { name: "banana", varieties: [{ name: "plantain" }] },
      ],
    },
  );
  assertEquals(parse("[[a.b]]\n[a]\nc = 1"), { a: { b: [{}], c: 1 } });
  rejects('[fruit.physical]\ncolor = "red"\n[[fruit]]\nname = "apple"', /not an array of tables/);
  rejects(
    '[[fruits]]\nname = "apple"\n[[fruits.varieties]]\nname = "red"\n[fruits.varieties]',
    /is an array of tables/,
  );
  rejects("fruits = []\n[[fruits]]", /fruits is already defined and not an array of tables/);
  rejects("[[a]]\n[a]", /a is an array of tables/);
  rejects("[[a.b]]\n[a]\nb.y = 2", /cannot extend array of tables b with dotted keys/);
  rejects("a = [{}]\n[a.b]", /a is already defined and not a table/);
  rejects("[[a]", /expected \]\] to close the header/);
  rejects("[[a] ]", /expected \]\] to close the header/);
});

Deno.test("toml: basic strings and their escapes", () => {
  assertEquals(
    value('"I\'m a string. \\"You can quote me\\". Name\\tJos\\u00E9\\nLocation\\tSF."'),
    'I\'m a string. "You can quote me". Name\tJosé\nLocation\tSF.',
  );
  assertEquals(value('"\\b\\t\\n\\f\\r\\"\\\\"'), '\b\t\n\f\r"\\');
  assertEquals(value('"\\u0041\\u00e9\\U0001F600\\U0010FFFF\\u0000"'), "Aé😀\u{10ffff}\0");
  assertEquals(value('"tab\there ünïcødé 日本"'), "tab\there ünïcødé 日本");
  assertEquals(value('""'), "");
  assertEquals(errorOf('a = "C:\\q"'), { reason: "invalid escape \\q", line: 1, column: 8 });
  rejects('a = "\\e"', /invalid escape \\e/);
  rejects('a = "\\x41"', /invalid escape \\x/);
  rejects('a = "\\ "', /^invalid escape$/);
  rejects('a = "\\u12"', /expected 4 hex digits/);
  rejects('a = "\\u12G4"', /expected 4 hex digits/);
  rejects('a = "\\U0001F60"', /expected 8 hex digits/);
  rejects('a = "\\uD800"', /not a Unicode scalar value/);
  rejects('a = "\\uDFFF"', /not a Unicode scalar value/);
  rejects('a = "\\U00110000"', /not a Unicode scalar value/);
  rejects('a = "bell \u0007"', /control character in a string/);
  rejects('a = "del \u007f"', /control character in a string/);
  assertEquals(errorOf('a = "no end\nb = 1'), {
    reason: "unterminated string",
    line: 1,
    column: 5,
  });
  rejects('a = "no end', /unterminated string/);
});

Deno.test("toml: multi-line basic strings", () => {
  assertEquals(value('"""\nRoses are red\nViolets are blue"""'), "Roses are red\nViolets are blue");
  assertEquals(value('"""\r\nfirst\r\nsecond"""'), "first\r\nsecond");
  const brown = "The quick brown fox jumps over the lazy dog.";
  assertEquals(
    value('"""\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog."""'),
    brown,
  );
  assertEquals(
    value(
      '"""\\\n       The quick brown \\\n       fox jumps over \\\t \r\n       the lazy dog.\\\n       """',
    ),
    brown,
  );
  assertEquals(
    value('"""Here are two quotation marks: "". Simple enough."""'),
    'Here are two quotation marks: "". Simple enough.',
  );
  assertEquals(
    value('"""Here are three quotation marks: ""\\"."""'),
    'Here are three quotation marks: """.',
  );
  assertEquals(
    value('"""Here are fifteen quotation marks: ""\\"""\\"""\\"""\\"""\\"."""'),
    'Here are fifteen quotation marks: """"""""""""""".',
  );
  assertEquals(
    value('""""This," she said, "is just a pointless statement.""""'),
    '"This," she said, "is just a pointless statement."',
  );
  assertEquals(value('""""""'), "");
  assertEquals(value('"""""""'), '"');
  assertEquals(value('""""""""'), '""');
  assertEquals(value('"""a\\tb\\u00e9"""'), "a\tbé");
  assertEquals(value('"""\n\n"""'), "\n");
  // Quotes before the closing delimiter, also right after a line-ending backslash.
  assertEquals(value('"""x\\\n  """"'), 'x"');
  assertEquals(value('"""x\\\n  """""'), 'x""');
  rejects('a = """Here are three quotation marks: """."""', /new line after the value/);
  rejects('a = """a""""""', /three quotes in a row/);
  rejects('a = """\\ x"""', /^invalid escape$/);
  rejects('a = """\\q"""', /invalid escape \\q/);
  rejects('a = """bell \u0007"""', /control character/);
  rejects('a = """cr \r alone"""', /carriage return/);
  assertEquals(errorOf('x = 1\na = """\nopen\n'), {
    reason: "unterminated multi-line string",
    line: 2,
    column: 5,
  });
});

Deno.test("toml: literal strings", () => {
  assertEquals(
    parse(
      "winpath = 'C:\\Users\\nodejs\\templates'\nwinpath2 = '\\\\ServerX\\admin$\\system32\\'\n" +
        "quoted = 'Tom \"Dubs\" Preston-Werner'\nregex = '<\\i\\c*\\s*>'\nempty = ''\ntab = 'a\tb'",
    ),
    {
      winpath: "C:\\Users\\nodejs\\templates",
      winpath2: "\\\\ServerX\\admin$\\system32\\",
      quoted: 'Tom "Dubs" Preston-Werner',
      regex: "<\\i\\c*\\s*>",
      empty: "",
      tab: "a\tb",
    },
  );
  assertEquals(value("'''I [dw]on't need \\d{2} apples'''"), "I [dw]on't need \\d{2} apples");
  assertEquals(
    value(
      "'''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''",
    ),
    "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n",
  );
  assertEquals(
    value('\'\'\'Here are fifteen quotation marks: """""""""""""""\'\'\''),
    'Here are fifteen quotation marks: """""""""""""""',
  );
  assertEquals(
    value("''''That,' she said, 'is still pointless.''''"),
    "'That,' she said, 'is still pointless.'",
  );
  assertEquals(value("'''a\\\n b'''"), "a\\\n b");
  rejects(
    "a = '''Here are fifteen apostrophes: ''''''''''''''''''",
    /three quotes in a row|new line/,
  );
  rejects("a = 'it's'", /new line after the value/);
  rejects("a = 'no end\n'", /unterminated string/);
  rejects("a = 'bell \u0007'", /control character in a string/);
  rejects("a = '''bell \u0000'''", /control character in a string/);
  rejects("a = '''open", /unterminated multi-line string/);
});

Deno.test("toml: integers in every form", () => {
  assertEquals(
    parse(
      "int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17\nint5 = 1_000\nint6 = 5_349_221\n" +
        "int7 = 53_49_221\nint8 = 1_2_3_4_5\nhex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\n" +
        "oct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110\nzero = +0\nnegzero = -0\nhex0 = 0x00\n" +
        "max = 9007199254740991\nmin = -9007199254740991",
    ),
    {
      int1: 99,
      int2: 42,
      int3: 0,
      int4: -17,
      int5: 1000,
      int6: 5349221,
      int7: 5349221,
      int8: 12345,
      hex1: 0xdeadbeef,
      hex2: 0xdeadbeef,
      hex3: 0xdeadbeef,
      oct1: 0o1234567,
      oct2: 0o755,
      bin1: 0b11010110,
      zero: 0,
      negzero: 0,
      hex0: 0,
      max: Number.MAX_SAFE_INTEGER,
      min: -Number.MAX_SAFE_INTEGER,
    },
  );
  assertOk(Object.is(value("-0"), 0), "-0 is the integer 0");
  for (const bad of ["01", "+01", "-007", "0_1"]) rejects(`a = ${bad}`, /leading zeros/);
  for (const bad of ["1__2", "1_", "_1", "0x_1", "0b_1", "0xdead__beef", "1_000_"]) {
    rejects(`a = ${bad}`, /underscore|invalid value/);
  }
  for (const bad of ["0X1F", "+0x1", "-0o7", "0xG", "0x", "0o8", "0b2", "1a", "- 1", "++1", "0b"]) {
    rejects(`a = ${bad}`, /invalid number|invalid value|new line after the value/);
  }
  rejects("a = 9007199254740992", /integer beyond/);
  rejects("a = -9223372036854775808", /integer beyond/);
  rejects("a = 0x7FFFFFFFFFFFFFFF", /integer beyond/);
});

Deno.test("toml: floats in every form", () => {
  assertEquals(
    parse(
      "flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\n" +
        "flt7 = 6.626e-34\nflt8 = 224_617.445_991_228\nflt9 = 0e0\nflt10 = 1_0e1_0\nflt11 = 0.0\n" +
        "sf1 = inf\nsf2 = +inf\nsf3 = -inf\nbig = 1e400",
    ),
    {
      flt1: 1,
      flt2: 3.1415,
      flt3: -0.01,
      flt4: 5e22,
      flt5: 1e6,
      flt6: -0.02,
      flt7: 6.626e-34,
      flt8: 224617.445991228,
      flt9: 0,
      flt10: 1e11,
      flt11: 0,
      sf1: Infinity,
      sf2: Infinity,
      sf3: -Infinity,
      big: Infinity,
    },
  );
  assertOk(Object.is(value("-0.0"), -0), "-0.0 is negative zero");
  assertOk(Object.is(value("+0.0"), 0));
  for (const nan of ["nan", "+nan", "-nan"]) assertOk(Number.isNaN(value(nan)));
  for (
    const bad of [".7", "7.", "3.e+20", "1e", "1e+", "1.5e_3", "1_.5", "1._5", "1.5_", "03.14"]
  ) {
    rejects(`a = ${bad}`, /invalid number|invalid value|underscore|leading zeros/);
  }
  for (const bad of ["Inf", "NaN", "infinity", "+-inf", "1.2.3", "1e2e3", "1e2.5"]) {
    rejects(`a = ${bad}`, /invalid/);
  }
});

Deno.test("toml: booleans", () => {
  assertEquals(parse("bool1 = true\nbool2 = false\narr = [true,false]"), {
    bool1: true,
    bool2: false,
    arr: [true, false],
  });
  for (const bad of ["True", "FALSE", "truee", "yes", "on"]) {
    rejects(`a = ${bad}`, /invalid value \(text needs quotes\)/);
  }
});

Deno.test("toml: text that starts like a number, a pasted key or an address, needs quotes", () => {
  for (const bad of ["36C6AB0011223344", "192.168.1.10", "1.2.3", "9600baud", "1e5x"]) {
    rejects(`a = ${bad}`, /invalid value \(text needs quotes\)/);
  }
  assertEquals(parse("a = 0x36C6AB\nb = 1e5\nc = -1.5E-3"), { a: 0x36c6ab, b: 1e5, c: -1.5e-3 });
});

Deno.test("toml: dates and times are rejected, smr's settings never use them", () => {
  for (
    const date of [
      "1979-05-27T07:32:00Z",
      "1979-05-27T00:32:00-07:00",
      "1979-05-27T00:32:00.999999-07:00",
      "1979-05-27 07:32:00Z",
      "1979-05-27T07:32:00",
      "1979-05-27",
      "07:32:00",
      "00:32:00.999999",
    ]
  ) {
    assertEquals(errorOf(`x = 1\nodt = ${date}`), {
      reason: "dates and times are not supported (smr's settings never use them)",
      line: 2,
      column: 7,
    });
  }
});

Deno.test("toml: the line and column of an error count from 1, in characters", () => {
  assertEquals(errorOf("a = \n"), { reason: "expected a value", line: 1, column: 5 });
  assertEquals(errorOf("a = 1\n\n[b]\nc = 01"), {
    reason: "invalid number: leading zeros are not allowed",
    line: 4,
    column: 5,
  });
  assertEquals(errorOf('k = "日本語"\nx = "😀" y'), {
    reason: "expected a new line after the value",
    line: 2,
    column: 9,
  });
  assertEquals(errorOf("a = 1\r\nb = 1\r\nb = 2"), {
    reason: "duplicate key b",
    line: 3,
    column: 1,
  });
  assertEquals(errorOf("[a]\n  [a]"), { reason: "table a is defined twice", line: 2, column: 4 });
  const error = new TomlSyntaxError("expected =", 3, 7);
  assertEquals(error.message, "expected = at line 3, column 7");
});

Deno.test("toml: reasons never quote a value", () => {
  const secret = "s3cr3t-VALUE";
  for (
    const text of [
      `key = "${secret}`,
      `key = ${secret}`,
      `key = '${secret}\n`,
      `key = "${secret}" ${secret}`,
      `key = [${secret}]`,
      `key = { a = ${secret} }`,
      `key = "${secret}\\${secret}"`,
    ]
  ) {
    const { reason } = errorOf(text);
    assertOk(!reason.includes("s3cr3t") && !reason.includes("VALUE"), `${text}: ${reason}`);
  }
});

Deno.test("toml: a key named __proto__ is an own property and leaves the prototype alone", () => {
  const doc = parse(
    '__proto__ = { polluted = true }\n[a]\n__proto__.b = 1\n[c.__proto__]\nd = 2\n[[e]]\n"__proto__" = 3',
  );
  assertEquals(Object.getPrototypeOf(doc), Object.prototype);
  assertOk(Object.hasOwn(doc, "__proto__"));
  assertEquals(Object.getOwnPropertyDescriptor(doc, "__proto__")?.value, { polluted: true });
  assertEquals((doc as Record<string, unknown>).polluted, undefined);
  const a = doc.a as Record<string, unknown>;
  assertEquals(Object.getPrototypeOf(a), Object.prototype);
  assertEquals(Object.getOwnPropertyDescriptor(a, "__proto__")?.value, { b: 1 });
  const c = doc.c as Record<string, unknown>;
  assertEquals(Object.getOwnPropertyDescriptor(c, "__proto__")?.value, { d: 2 });
  const e = (doc.e as Record<string, unknown>[])[0];
  assertEquals(Object.getOwnPropertyDescriptor(e, "__proto__")?.value, 3);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
  // Keys that name inherited properties are plain keys too.
  assertEquals(parse("toString = 1\nconstructor.a = 2\n[hasOwnProperty]"), {
    toString: 1,
    constructor: { a: 2 },
    hasOwnProperty: {},
  });
  rejects("__proto__ = 1\n__proto__ = 2", /duplicate key __proto__/);
});

Deno.test("toml: nesting is bounded", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  assertEquals(value(deep(MAX_DEPTH)) !== undefined, true);
  rejects(`a = ${deep(MAX_DEPTH + 1)}`, /nested deeper/);
  rejects(`a = ${"[".repeat(100_000)}`, /nested deeper/);
  rejects(`a = ${"{b=".repeat(100_000)}`, /nested deeper/);
  rejects(`[${Array(MAX_DEPTH + 1).fill("k").join(".")}]`, /nested deeper/);
  rejects(`${Array(MAX_DEPTH + 2).fill("k").join(".")} = 1`, /nested deeper/);
  assertEquals(Object.keys(parse(`[${Array(MAX_DEPTH).fill("k").join(".")}]`)), ["k"]);
});

Deno.test("toml: a whole settings file", () => {
  const text = Deno.readTextFileSync(new URL("../../config/settings.toml", import.meta.url));
  const doc = parse(text);
  assertOk(typeof doc.default === "object");
  assertEquals(Object.getPrototypeOf(doc.default), Object.prototype);
});
