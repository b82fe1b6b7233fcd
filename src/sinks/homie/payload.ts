/** Homie 4 payload formats: ids and values exactly as consumers parse them. */
import { normalize, whole } from "../../decimal.ts";
import type { Value } from "../../reading.ts";

/** The Homie id rule: lowercase a-z, 0-9 and inner hyphens. */
export const HOMIE_ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** A float payload: digits, one point, optional exponent, no `+`, `NaN` or tails. */
export const FLOAT_PAYLOAD = /^-?[0-9]+(\.[0-9]+)?([eE]-?[0-9]+)?$/;

/** An integer payload. */
export const INTEGER_PAYLOAD = /^-?[0-9]+$/;

/** An ISO 8601 datetime with seconds and an explicit offset. */
export const DATETIME_PAYLOAD = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The payload for a value, or undefined when the value cannot be published
 * without lying (not a number for a float, a fraction for an integer, a
 * datetime without offset, an empty string, an enum value not among its
 * options).
 */
export function formatPayload(value: Value): string | undefined {
  switch (value.datatype) {
    case "float": {
      const text = normalize(value.value);
      return text !== undefined && FLOAT_PAYLOAD.test(text) ? text : undefined;
    }
    case "integer":
      return whole(value.value);
    case "datetime":
      return DATETIME_PAYLOAD.test(value.value) ? value.value : undefined;
    case "string":
      return value.value.length > 0 ? value.value : undefined;
    case "enum":
      return value.options?.includes(value.value) ? value.value : undefined;
  }
}
