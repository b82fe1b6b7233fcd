/**
 * The MQTT sink: one connection per device, which carries the Homie device
 * and its Home Assistant discovery alike (mqtt_device.ts decides what to
 * publish). The connection has the `lost` Will and reconnects with backoff
 * and a full republish. What is due by the clock (`alert`, the status node,
 * held-back gauges, `$stats/uptime`) goes out with the next reading, or by
 * one timer set for when the device has something due: a steady meter never
 * wakes smr in between. Shutdown ends with `disconnected`. When another smr
 * publishes as the same device it steps back.
 */
import type { MeterEvent } from "../meters/meter.ts";
import type { Sink, SinkConnection } from "../pipeline.ts";
import {
  type BrokerOptions,
  closeConnection,
  connectWithBackoff,
  type Message,
  type MqttLink,
  publishRetained,
  redactUrl,
} from "./mqtt_connection.ts";
import { MqttDevice, type MqttDeviceOptions } from "./mqtt_device.ts";
import { DeviceTakenError, type TakeoverOptions } from "./takeover.ts";
import { clientId } from "./topics.ts";

/** The shortest timer delay: a clock that lags the timer costs a few wake-ups, never a spin. */
const MIN_DELAY_MS = 10;

/**
 * The longest timer delay: the device's deadlines are wall-clock times, and
 * a clock set back (NTP on a Pi without a real-time clock) must not put them
 * off for long.
 */
const MAX_DELAY_MS = 60_000;

/** Options of {@link MqttSink}: the device's and the broker's. */
export interface MqttSinkOptions extends MqttDeviceOptions, BrokerOptions {
  /**
   * Called once when another client publishes as this device on the broker
   * (same client id, see takeover.ts): smr should stop. The sink no longer
   * connects; without this callback it logs the error and stays quiet.
   */
  onDeviceTaken?: (error: DeviceTakenError) => void;
  /** Tuning of the takeover watch. */
  takeover?: TakeoverOptions;
}

/** Publishes the meter's events as a Homie 4 device, with Home Assistant discovery if asked. */
export class MqttSink implements Sink {
  readonly name = "homie";
  readonly device: MqttDevice;
  #options: MqttSinkOptions;
  #link?: MqttLink;
  #taken = false;
  #timer?: ReturnType<typeof setTimeout>;
  /** What the timer was set for (ms, `Date.now`). */
  #timerAt = Infinity;
  /** Whether events are being consumed: the clock runs only then. */
  #running = false;

  constructor(options: MqttSinkOptions) {
    this.#options = options;
    this.device = new MqttDevice(options);
  }

  /** The broker and whether the device's connection to it is up now. */
  get connection(): SinkConnection {
    return { target: redactUrl(this.#options.url), connected: this.#link?.connected === true };
  }

  async consume(events: AsyncIterable<MeterEvent>): Promise<void> {
    const { log, deviceId } = this.#options;
    const id = clientId(deviceId);
    const device = this.device;
    const link = connectWithBackoff({
      ...this.#options,
      clientId: id,
      label: device.topic,
      will: device.will,
      onConnect: (connected) => {
        const filters = device.subscriptions;
        if (filters.length > 0) {
          connected.subscribe(filters).then(
            (refused) => {
              if (refused.length > 0) log.warn(`the broker refused a subscription to ${refused}`);
            },
            (error) => log.debug(`subscribe ${filters}: ${(error as Error).message}`),
          );
        }
        const now = Date.now();
        this.#publish(device.connected(now));
        this.#arm(now);
      },
      onTakenOver: (sessions) => {
        this.#taken = true;
        const error = new DeviceTakenError(
          `another smr publishes as device ${deviceId} on ${redactUrl(this.#options.url)}: ` +
            `stop it or set homie.device_id (the broker dropped client ${id} ${sessions} ` +
            `times in a row within seconds of connecting, as it does when a second client ` +
            `connects with the same id)`,
        );
        if (this.#options.onDeviceTaken) this.#options.onDeviceTaken(error);
        else log.error(error.message);
      },
    });
    this.#link = link;
    link.onMessage((message) => this.#publish(device.received(message)));
    this.#running = true;
    this.#tick();
    try {
      for await (const event of events) {
        const now = Date.now();
        this.#publish(device.event(event, now));
        if (event.kind === "reading") {
          // What fell due since the last reading goes out with this one.
          this.#publish(device.tick(now));
          this.#arm(now);
        } else {
          // Counters come just before their reading, which sets the timer anyway.
          this.#arm(now, true);
        }
      }
    } finally {
      this.#running = false;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      // The device's topics are the other smr's now: no `disconnected` over its `ready`.
      await closeConnection(link, {
        last: this.#taken ? undefined : device.disconnected(),
        limitMs: this.#options.shutdownMs ?? 1500,
      }).catch((error) => log.warn(`MQTT shutdown: ${(error as Error).message}`));
    }
  }

  #publish(messages: Message[]): void {
    publishRetained(this.#link, messages, this.#options.log);
  }

  /** The clock: what the device has due now, then the timer for what falls due next. */
  #tick(): void {
    const now = Date.now();
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#publish(this.device.tick(now));
    this.#arm(now);
  }

  /**
   * Sets the one timer of the sink for when the device next has something
   * due (`onlyEarlier`: unless it is set for sooner already); nothing wakes
   * smr in between, and a reading before it moves it on.
   */
  #arm(now: number, onlyEarlier = false): void {
    const at = this.device.wakeAt();
    if (!this.#running || at === this.#timerAt || (onlyEarlier && at > this.#timerAt)) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    const delay = Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, at - now));
    this.#timer = setTimeout(() => this.#tick(), delay);
  }
}
