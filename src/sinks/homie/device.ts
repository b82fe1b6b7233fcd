/**
 * The Homie 4 device as a state machine without I/O: events in (connected,
 * reading, the meter's counters, clock tick, shutdown), messages to publish
 * out. Everything it publishes is a function of these inputs; its property
 * tree ({@link HomieDevice.properties}) is what Home Assistant discovery is
 * built from. Every message is published retained at QoS 1 by the sink, as
 * the Homie 4.0.0 convention asks.
 */
import type { Logger } from "../../log.ts";
import { emptyStats, type MeterStats } from "../../meters/meter.ts";
import { describeNode } from "../../nodes.ts";
import type { Quantity, Reading, Value } from "../../reading.ts";
import type { Message } from "../mqtt_connection.ts";
import { homieTopic } from "../topics.ts";
import { formatPayload } from "./payload.ts";
import { LAST_READING, STATUS_NODE, statusValues } from "./status.ts";

/** Homie device states smr publishes (`lost` is only ever the Will). */
export type DeviceState = "init" | "ready" | "alert" | "disconnected";

/** The legacy-stats extension smr implements. */
export const EXTENSIONS = "org.homie.legacy-stats:0.1.1:[4.x]";

/** Options of {@link HomieDevice}. */
export interface HomieDeviceOptions {
  baseTopic: string;
  deviceId: string;
  name: string;
  /** Seconds between meter readings; `alert` after 3 without one. */
  interval: number;
  /** Seconds between `$stats/uptime` updates. */
  statsInterval: number;
  /** Seconds between publishes of one gauge; 0 publishes a gauge with every reading. */
  minInterval?: number;
  /**
   * Whether the device has the `status` node, which shows the meter's
   * counters as {@link HomieDevice.counters} delivers them (zero until then).
   */
  status?: boolean;
  /** Milliseconds between refreshes of the `status` node (5000 unless told). */
  statusIntervalMs?: number;
  log: Logger;
}

interface Property {
  quantity: Quantity;
  /** The newest payload: published at once, later (a throttled gauge) or on connect. */
  payload?: string;
  /** The payload last handed out for publishing, and when. */
  published?: string;
  publishedAt?: number;
}

/** A property of the Homie tree: its quantity and the payload it has (or is due to have). */
export interface TreeProperty extends Quantity {
  payload: string;
}

/** What applying values changed. */
interface Update {
  /** Keys (`node/property`) whose payload is due for publishing. */
  due: string[];
  structureChanged: boolean;
}

/** How many reading intervals without a reading make the device `alert`. */
export const ALERT_INTERVALS = 3;

/** Milliseconds between refreshes of the status node unless told otherwise. */
export const STATUS_INTERVAL_MS = 5000;

/** A Homie device fed with readings. */
export class HomieDevice {
  readonly topic: string;
  #options: HomieDeviceOptions;
  #minIntervalMs: number;
  #properties = new Map<string, Property>();
  #nodes = new Map<string, string[]>();
  #state: DeviceState = "init";
  #startedAt?: number;
  #lastReadingAt?: number;
  /** Whether a reading has delivered a publishable value yet: until then the state stays `init`. */
  #delivered = false;
  #lastStatsAt = 0;
  #lastStatusAt = -Infinity;
  /** The meter's newest counters, when the device has the status node. */
  #stats?: MeterStats;
  /** Whether counters came that the status node does not show yet. */
  #statsNew = false;
  /** How long what can wait (see {@link wakeAt}) waits for a reading to take it along, in ms. */
  readonly #slackMs: number;
  #warned = new Set<string>();

  constructor(options: HomieDeviceOptions) {
    this.#options = options;
    this.#minIntervalMs = (options.minInterval ?? 0) * 1000;
    this.topic = homieTopic(options);
    if (options.status) this.#stats = emptyStats();
    this.#slackMs = Math.min(options.interval * 1000, this.#statusIntervalMs);
  }

  /** The current `$state`. */
  get state(): DeviceState {
    return this.#state;
  }

  /** The Last Will: `$state` = `lost`. */
  get will(): Message {
    return { topic: `${this.topic}/$state`, payload: "lost" };
  }

  /** The properties of the tree so far, in tree order, each with its payload. */
  get properties(): TreeProperty[] {
    return this.#keys().map((key) => {
      const { quantity, payload } = this.#properties.get(key)!;
      return { ...quantity, payload: payload! };
    });
  }

  /** The whole tree from `init` to `ready` (or `alert`), for every (re)connect. */
  connected(now: number): Message[] {
    this.#startedAt ??= now;
    this.#lastStatsAt = now;
    if (this.#stats) this.#apply(this.#statusValues(now), now);
    const messages = [this.#msg("$state", "init"), ...this.#deviceAttributes(now)];
    this.#state = "init";
    if (this.#nodes.size === 0) return messages;
    return [...messages, ...this.#structure(), ...this.#values(now), ...this.#settle(now)];
  }

  /** Messages for a new reading: due values, or a whole `init` … `ready` cycle. */
  reading(reading: Reading, now: number): Message[] {
    this.#lastReadingAt = now;
    const update = this.#apply(reading.values, now);
    if (this.#statusDue(now)) merge(update, this.#apply(this.#statusValues(now), now));
    if (update.structureChanged) return this.#cycle(now);
    const messages = update.due.map((key) => this.#send(key, now));
    if (this.#delivered && this.#state !== "ready") {
      this.#state = "ready";
      messages.push(this.#msg("$state", "ready"));
    }
    return messages;
  }

  /**
   * The meter's newest counters. The status node shows them at its next
   * refresh, at most every `statusIntervalMs`, with a reading or a tick;
   * ignored without the status node.
   */
  counters(stats: MeterStats): void {
    if (!this.#stats) return;
    this.#stats = stats;
    this.#statsNew = true;
  }

  /**
   * Clock tick: `alert` after silence, the status node and throttled gauges
   * when due, `$stats/uptime` when due.
   */
  tick(now: number): Message[] {
    this.#startedAt ??= now;
    const messages: Message[] = [];
    if ((this.#state === "ready" || this.#state === "init") && this.#silent(now)) {
      this.#state = "alert";
      this.#options.log.warn(
        `no reading for ${ALERT_INTERVALS} intervals (${
          ALERT_INTERVALS * this.#options.interval
        } s): $state alert`,
      );
      messages.push(this.#msg("$state", "alert"));
    }
    const update: Update = { due: this.#pendingGauges(now), structureChanged: false };
    if (this.#statusDue(now)) merge(update, this.#apply(this.#statusValues(now), now));
    if (update.structureChanged) messages.push(...this.#cycle(now));
    else messages.push(...update.due.map((key) => this.#send(key, now)));
    if (now - this.#lastStatsAt >= this.#options.statsInterval * 1000) {
      this.#lastStatsAt = now;
      messages.push(this.#msg("$stats/uptime", this.#uptime(now)));
    }
    return messages;
  }

  /**
   * When the clock should call {@link tick} next, in ms on the clock the
   * device is given (`$stats/uptime` always falls due). `alert` is due at
   * its deadline. What can wait, the status node (only after new counters),
   * held-back gauges and `$stats/uptime`, is due up to a reading interval (at
   * most `statusIntervalMs`) later: a reading in between takes it along when
   * the caller ticks after each reading, so a steady meter never needs the
   * clock.
   */
  wakeAt(): number {
    let alert = Infinity;
    const since = this.#lastReadingAt ?? this.#startedAt;
    if ((this.#state === "ready" || this.#state === "init") && since !== undefined) {
      alert = since + ALERT_INTERVALS * this.#options.interval * 1000;
    }
    let due = this.#lastStatsAt + this.#options.statsInterval * 1000;
    if (this.#statsNew) due = Math.min(due, this.#lastStatusAt + this.#statusIntervalMs);
    if (this.#minIntervalMs > 0) {
      for (const { quantity, payload, published, publishedAt } of this.#properties.values()) {
        if (quantity.kind !== "gauge" || payload === published) continue;
        due = Math.min(due, (publishedAt ?? -Infinity) + this.#minIntervalMs);
      }
    }
    return Math.min(alert, due + this.#slackMs);
  }

  /** The last message before a clean disconnect. */
  disconnected(): Message {
    this.#state = "disconnected";
    return this.#msg("$state", "disconnected");
  }

  /**
   * Takes values into the tree. Counters and info are due when they change,
   * gauges when `minInterval` has passed since their last publish. Which
   * counter values are believed is decided before, by the pipeline's
   * counter guard: a counter that went down here was a meter exchange.
   */
  #apply(values: readonly Value[], now: number): Update {
    const update: Update = { due: [], structureChanged: false };
    for (const value of values) {
      const key = `${value.node}/${value.property}`;
      const payload = formatPayload(value);
      if (payload === undefined) {
        this.#warnOnce(
          `format:${key}`,
          `${key}: cannot publish ${JSON.stringify(value.value)} as ${value.datatype}; skipped`,
        );
        continue;
      }
      const { value: _, ...quantity } = value;
      let property = this.#properties.get(key);
      if (!property) {
        property = { quantity };
        this.#properties.set(key, property);
        const props = this.#nodes.get(value.node) ?? [];
        if (props.length === 0) this.#nodes.set(value.node, props);
        props.push(value.property);
        update.structureChanged = true;
      } else if (!sameQuantity(property.quantity, quantity)) {
        property.quantity = quantity;
        update.structureChanged = true;
      }
      if (value.node !== STATUS_NODE) this.#delivered = true;
      if (quantity.kind === "gauge") {
        property.payload = payload;
        if (this.#intervalPassed(property, now)) update.due.push(key);
        continue;
      }
      if (property.payload === payload) continue;
      property.payload = payload;
      update.due.push(key);
    }
    return update;
  }

  /** Gauges held back by `minInterval` whose interval has passed. */
  #pendingGauges(now: number): string[] {
    if (this.#minIntervalMs === 0) return [];
    return this.#keys().filter((key) => {
      const p = this.#properties.get(key)!;
      return p.quantity.kind === "gauge" && p.payload !== p.published &&
        this.#intervalPassed(p, now);
    });
  }

  /** Whether a gauge may be published again; a clock that went back never holds it. */
  #intervalPassed(property: Property, now: number): boolean {
    const elapsed = now - (property.publishedAt ?? -Infinity);
    return elapsed >= this.#minIntervalMs || elapsed < 0;
  }

  get #statusIntervalMs(): number {
    return this.#options.statusIntervalMs ?? STATUS_INTERVAL_MS;
  }

  #statusDue(now: number): boolean {
    if (!this.#stats) return false;
    if (now - this.#lastStatusAt >= this.#statusIntervalMs) return true;
    return this.#stats.lastReading !== undefined &&
      !this.#properties.has(`${STATUS_NODE}/${LAST_READING.property}`);
  }

  #statusValues(now: number): Value[] {
    this.#lastStatusAt = now;
    this.#statsNew = false;
    return statusValues(this.#stats!);
  }

  /** `init`, the structure and every value, then the state the device is in. */
  #cycle(now: number): Message[] {
    const messages = this.#state === "init" ? [] : [this.#msg("$state", "init")];
    this.#state = "init";
    return [...messages, ...this.#structure(), ...this.#values(now), ...this.#settle(now)];
  }

  /** Leaves `init` once a reading was delivered: `ready`, or `alert` when silent. */
  #settle(now: number): Message[] {
    if (!this.#delivered) return [];
    this.#state = this.#silent(now) ? "alert" : "ready";
    return [this.#msg("$state", this.#state)];
  }

  #silent(now: number): boolean {
    const since = this.#lastReadingAt ?? this.#startedAt ?? now;
    return now - since >= ALERT_INTERVALS * this.#options.interval * 1000;
  }

  #uptime(now: number): string {
    return String(Math.max(0, Math.floor((now - (this.#startedAt ?? now)) / 1000)));
  }

  #deviceAttributes(now: number): Message[] {
    return [
      this.#msg("$homie", "4.0.0"),
      this.#msg("$name", this.#options.name),
      this.#msg("$extensions", EXTENSIONS),
      this.#msg("$implementation", "smr"),
      this.#msg("$stats/interval", String(this.#options.statsInterval)),
      this.#msg("$stats/uptime", this.#uptime(now)),
    ];
  }

  /** Node ids in tree order: the meter's nodes as they came, the status node last. */
  #nodeIds(): string[] {
    const ids = [...this.#nodes.keys()].filter((id) => id !== STATUS_NODE);
    return this.#nodes.has(STATUS_NODE) ? [...ids, STATUS_NODE] : ids;
  }

  /** Property keys (`node/property`) in tree order. */
  #keys(): string[] {
    return this.#nodeIds().flatMap((node) => this.#nodes.get(node)!.map((p) => `${node}/${p}`));
  }

  #structure(): Message[] {
    const nodes = this.#nodeIds();
    const messages = [this.#msg("$nodes", nodes.join(","))];
    for (const node of nodes) {
      const description = describeNode(node);
      messages.push(
        this.#msg(`${node}/$name`, description.name),
        this.#msg(`${node}/$type`, description.type),
        this.#msg(`${node}/$properties`, this.#nodes.get(node)!.join(",")),
      );
    }
    for (const key of this.#keys()) {
      const { quantity } = this.#properties.get(key)!;
      messages.push(
        this.#msg(`${key}/$name`, quantity.name),
        this.#msg(`${key}/$datatype`, quantity.datatype),
        this.#msg(`${key}/$settable`, "false"),
        this.#msg(`${key}/$retained`, "true"),
      );
      if (quantity.unit) messages.push(this.#msg(`${key}/$unit`, quantity.unit));
      if (quantity.options) messages.push(this.#msg(`${key}/$format`, quantity.options.join(",")));
    }
    return messages;
  }

  #values(now: number): Message[] {
    return this.#keys()
      .filter((key) => this.#properties.get(key)!.payload !== undefined)
      .map((key) => this.#send(key, now));
  }

  /** The value message of a property, noting it as published. */
  #send(key: string, now: number): Message {
    const property = this.#properties.get(key)!;
    property.published = property.payload;
    property.publishedAt = now;
    return this.#msg(key, property.payload!);
  }

  #msg(path: string, payload: string): Message {
    return { topic: homieTopic(this.#options, path), payload };
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#options.log.warn(message);
  }
}

function merge(into: Update, from: Update): void {
  into.due.push(...from.due);
  into.structureChanged ||= from.structureChanged;
}

function sameQuantity(a: Quantity, b: Quantity): boolean {
  return a.name === b.name && a.datatype === b.datatype && a.unit === b.unit &&
    a.kind === b.kind && a.plainUnit === b.plainUnit && a.options?.join() === b.options?.join();
}
