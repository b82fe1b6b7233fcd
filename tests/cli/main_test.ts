import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import { parseCli, UsageError } from "../../src/cli/args.ts";
import { runSmr, startSmr } from "../e2e/smr.ts";
import { scaled } from "../e2e/tools.ts";

Deno.test("cli: flags parse, unknown flags are usage errors", () => {
  assertEquals(parseCli(["--env", "t210", "--config-dir", "/etc/smr"]), {
    command: "run",
    env: "t210",
    configDir: "/etc/smr",
    help: false,
    flags: {},
  });
  assertEquals(parseCli(["-e", "x"]).env, "x");
  assertEquals(parseCli(["-V"]).flags, { version: true });
  assertThrows(() => parseCli(["--force"]));
});

Deno.test("cli: the first word is the command, with its own flags", () => {
  assertEquals(parseCli(["purge", "-e", "t210", "--force"]), {
    command: "purge",
    env: "t210",
    configDir: undefined,
    help: false,
    flags: { force: true },
  });
  assertEquals(parseCli(["purge", "--help"]).help, true);
  assertThrows(() => parseCli(["purge", "--version"]));
  assertThrows(() => parseCli(["purge", "again"]));
  assertThrows(() => parseCli(["run"]));
});

/** The message of the UsageError that parsing `argv` throws. */
function usageError(argv: string[]): string | undefined {
  try {
    parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return undefined;
}

Deno.test("cli: values inline or apart, -- before operands, usage errors for the rest", () => {
  assertEquals(parseCli(["--env=t210", "-cdir"]).configDir, "dir");
  assertEquals(parseCli(["--env=t210", "-cdir"]).env, "t210");
  assertEquals(parseCli(["-e", "a", "--env", "b"]).env, "b");
  assertEquals(parseCli(["decode", "-e", "x", "--", "-file"]).operand, "-file");
  assertEquals(parseCli(["decode", "-"]).operand, "-");
  assertEquals(parseCli(["decode", "--format", "hex"]).flags, { format: "hex" });
  assertEquals(usageError(["--env"]), "option '--env' needs a value");
  assertEquals(usageError(["-V=1"]), "option '-V' does not take a value");
  assertEquals(usageError(["--version=1"]), "option '--version' does not take a value");
  assertEquals(usageError(["-x"]), "unknown option '-x'");
  assertEquals(usageError(["--env", "--help"]), "option '--env' needs a value");
  assertEquals(usageError(["decode", "--env", "--", "f"]), "option '--env' needs a value");
  assertEquals(parseCli(["--env=-x"]).env, "-x");
  assertEquals(parseCli(["decode", "--env", "-"]).env, "-");
  assertEquals(parseCli(["-hV"]), { ...parseCli(["-h", "-V"]) });
  assertEquals(usageError(["-hx"]), "unknown option '-x'");
  assertEquals(usageError(["-he"]), "option '-e' needs a value");
  assertEquals(usageError(["--env="]), "--env needs a name");
});

Deno.test("cli: an unknown command or a stray word is a usage error, exit code 2", async () => {
  const unknown = await runSmr({ args: ["frobnicate", "--env", "dummy"] });
  assertEquals(unknown.code, 2);
  assertEquals(unknown.stderr, "smr: unknown command 'frobnicate' (try smr --help)\n");
  const stray = await runSmr({ args: ["purge", "--env", "dummy", "now"] });
  assertEquals(stray.code, 2);
  assertEquals(stray.stderr, "smr: unexpected argument 'now' (try smr --help)\n");
  const flag = await runSmr({ args: ["purge", "--version"] });
  assertEquals(flag.code, 2);
  assertMatch(flag.stderr, /^smr: unknown option '--version'/);
});

Deno.test("cli: smr --help lists the commands, smr purge --help its flags", async () => {
  const help = await runSmr({ args: ["--help"] });
  assertMatch(
    help.stdout,
    /^Commands:\n {2}decode {2}decode captured bytes offline[^\n]*\n {2}check {3}check configuration[^\n]*\n {2}purge {3}remove the device's retained topics/m,
  );
  const purge = await runSmr({ args: ["purge", "--help"] });
  assertEquals(purge.code, 0);
  assertMatch(purge.stdout, /^Usage: smr purge \[--env NAME\] \[--config-dir DIR\] \[--force\]$/m);
  assertMatch(
    purge.stdout,
    /^ {6}--force +purge even while the device is ready, init or alert$/m,
  );
});

Deno.test("cli: an unknown flag gives one line and exit code 2", async () => {
  const { code, stderr } = await runSmr({ args: ["--bogus"] });
  assertEquals(code, 2);
  assertEquals(stderr.trim().split("\n").length, 1);
  assertMatch(stderr, /^smr: unknown option '--bogus' \(try smr --help\)/);
});

Deno.test("cli: --help and --version", async () => {
  const help = await runSmr({ args: ["--help"] });
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /Usage: smr \[--env NAME\] \[--config-dir DIR\]/);
  const version = await runSmr({ args: ["--version"] });
  assertEquals(version.code, 0);
  assertMatch(version.stdout, /^smr \d+\.\d+\.\d+\n$/);
});

Deno.test("cli: a configuration error exits 78 with the message and no secret", async () => {
  const key = "00112233445566778899aabbccddeeff";
  const { code, stderr } = await runSmr({
    args: ["--env", "t210"],
    env: { SMR_METER__KEY: key, SMR_METER__AUTH_KEY: "short" },
  });
  assertEquals(code, 78);
  assertEquals(
    stderr.trim(),
    "smr: environment variable SMR_METER__AUTH_KEY meter.auth_key: expected 32 hex characters",
  );
  assertOk(!stderr.includes(key));
});

Deno.test("cli: a setting the driver's code refuses (loaded when the meter is built) exits 78 too", async () => {
  const key = "00112233445566778899aabbccddeeff";
  const { code, stderr } = await runSmr({
    args: ["--env", "dlms"],
    env: { SMR_METER__AUTH_KEY: key, SMR_MQTT__URL: "mqtt://127.0.0.1:1" },
  });
  assertEquals(code, 78);
  assertEquals(stderr.trim(), "smr: meter.auth_key needs meter.key (the encryption key) as well");
  assertOk(!stderr.includes(key));
});

Deno.test("cli: the dummy environment prints JSON readings within 3 s and stops cleanly on SIGINT", async () => {
  const started = Date.now();
  const limit = scaled(3000);
  const smr = startSmr({ args: ["--env", "dummy"] });
  try {
    while (!smr.stdout().includes("\n")) {
      if (Date.now() - started > limit) {
        throw new Error(`no reading within ${limit} ms: ${smr.stderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    assertEquals(await smr.stop("SIGINT"), 0);
  }
  const reading = JSON.parse(smr.stdout().split("\n")[0]);
  assertEquals(reading.meter, "dummy");
  assertEquals(reading.values["import/total"].unit, "kWh");
  assertMatch(reading.values["import/total"].value, /^\d+\.\d{3}$/);
});

Deno.test("cli: a summary line every log.summary_interval seconds", async () => {
  const smr = startSmr({
    args: ["--env", "dummy"],
    env: { SMR_METER__INTERVAL: "0.2", SMR_LOG__SUMMARY_INTERVAL: "1" },
  });
  try {
    await smr.waitForLog("summary:", 5000);
  } finally {
    assertEquals(await smr.stop(), 0);
  }
  assertMatch(
    smr.stderr(),
    /summary: [1-9]\d* frames received, [1-9]\d* decoded, 0 rejected, last reading \d{4}-\d\d-\d\dT/,
  );
});
