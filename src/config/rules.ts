/**
 * Configuration rules: one declarative rule per key with its check, its
 * default, whether it is required and whether it is secret. The types of the
 * validated values are derived from the rules ({@link ValuesOf}), so the
 * configuration type and its validation cannot drift apart.
 */
import { BAUD_RATES } from "../serial/stty.ts";

/** A check: the parsed value, or what was expected. */
export type Check<T> = (value: unknown) => { value: T } | { expected: string };

/** What a computed default may depend on: the environment and its meter type's defaults. */
export interface DeriveContext {
  /** The environment name. */
  env: string;
  /** The Homie device name the meter type suggests. */
  name: string;
}

/**
 * A default computed from the environment, the meter type and the values of
 * the keys listed before it in its section.
 */
export type Derive<T> = (
  context: DeriveContext,
  values: Readonly<Record<string, unknown>>,
) => T | undefined;

/** One configuration key. */
export interface KeyRule<T = unknown> {
  check: Check<T>;
  /** The default, or a function of the environment and the meter type. */
  default?: T | Derive<T>;
  /** Must be set: there is no default. */
  required?: boolean;
  /** Never shown in messages or logs. */
  secret?: boolean;
  /** One line for the README's configuration reference. */
  doc: string;
}

/** Rules of one section, by key within the section (`device`, `key`). */
// deno-lint-ignore no-explicit-any
export type Rules = Readonly<Record<string, KeyRule<any>>>;

type ValueOf<R> = R extends KeyRule<infer T> ? T : never;
type Present<R> = R extends { required: true } ? true
  : R extends { default: unknown } ? true
  : false;

/** The validated values of a section: keys with a default or marked required are always there. */
export type ValuesOf<R extends Rules> =
  & { -readonly [K in keyof R as Present<R[K]> extends true ? K : never]: ValueOf<R[K]> }
  & { -readonly [K in keyof R as Present<R[K]> extends true ? never : K]?: ValueOf<R[K]> };

/** The options of a rule besides its check. */
type RuleOptions = Omit<KeyRule, "check" | "default" | "required">;

/** A rule whose key always has a value: its default, or what is set. */
export function rule<T>(
  check: Check<T>,
  options: RuleOptions & { default: NoInfer<T> | Derive<NoInfer<T>> },
): KeyRule<T> & { default: T | Derive<T> };
/** A rule whose key must be set. */
export function rule<T>(
  check: Check<T>,
  options: RuleOptions & { required: true },
): KeyRule<T> & { required: true };
/** A rule whose key may be left out. */
export function rule<T>(check: Check<T>, options: RuleOptions): KeyRule<T>;
export function rule<T>(check: Check<T>, options: Omit<KeyRule<T>, "check">): KeyRule<T> {
  return { check, ...options };
}

/** A non-empty string. */
export const text: Check<string> = (v) =>
  typeof v === "string" && v.length > 0 ? { value: v } : { expected: "a non-empty string" };

/** One of the given strings. */
export function oneOf<const T extends string>(options: readonly T[]): Check<T> {
  return (v) =>
    typeof v === "string" && (options as readonly string[]).includes(v)
      ? { value: v as T }
      : { expected: `one of ${options.join(", ")}` };
}

/** A number from `min` to `max`. */
export function number(min: number, max: number): Check<number> {
  return (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max
      ? { value: v }
      : { expected: `a number from ${min} to ${max}` };
}

/** An integer from `min` to `max`. */
export function integer(min: number, max: number): Check<number> {
  return (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? { value: v }
      : { expected: `an integer from ${min} to ${max}` };
}

/** One of the given integers. */
export function integerIn<const T extends number>(options: readonly T[]): Check<T> {
  return (v) =>
    typeof v === "number" && (options as readonly number[]).includes(v)
      ? { value: v as T }
      : { expected: `one of ${options.join(", ")}` };
}

/** A non-empty list whose every item passes `item`. */
export function list<T>(item: Check<T>, what: string): Check<T[]> {
  return (v) => {
    if (!Array.isArray(v) || v.length === 0) return { expected: `a non-empty list of ${what}` };
    const values: T[] = [];
    for (const element of v) {
      const checked = item(element);
      if ("expected" in checked) return { expected: `a non-empty list of ${what}` };
      values.push(checked.value);
    }
    return { value: values };
  };
}

/** A baud rate `stty` accepts. */
export const baudRate: Check<number> = (v) =>
  typeof v === "number" && BAUD_RATES.includes(v)
    ? { value: v }
    : { expected: `a baud rate stty knows: ${BAUD_RATES.join(", ")}` };

/** An AES-128 key as 32 hex characters; kept in lower case. */
export const hexKey: Check<string> = (v) =>
  typeof v === "string" && /^[0-9a-fA-F]{32}$/.test(v.trim())
    ? { value: v.trim().toLowerCase() }
    : { expected: "32 hex characters" };
