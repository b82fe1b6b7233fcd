/**
 * Where one device lives on the broker, in one place: the Homie tree, the
 * Home Assistant discovery configs and status topic, the client id. The
 * daemon publishes under these topics and `smr purge` clears them, so both
 * build them here.
 */

/** The settings that place a device's topics. */
export interface DeviceTopics {
  /** Homie base topic, e.g. `homie`. */
  baseTopic: string;
  /** Homie device id, e.g. `t210`. */
  deviceId: string;
  /** Home Assistant discovery prefix, e.g. `homeassistant`. */
  prefix: string;
}

/** A topic id Home Assistant accepts: only `[a-zA-Z0-9_-]`. */
export function topicId(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** The Homie device topic, or a topic under it: `homie/t210`, `homie/t210/$state`. */
export function homieTopic(
  { baseTopic, deviceId }: Pick<DeviceTopics, "baseTopic" | "deviceId">,
  path?: string,
): string {
  const device = `${baseTopic}/${deviceId}`;
  return path === undefined ? device : `${device}/${path}`;
}

/** The topic under which the device's Home Assistant discovery configs live. */
function discoveryRoot({ prefix, deviceId }: Pick<DeviceTopics, "prefix" | "deviceId">): string {
  return `${prefix}/sensor/${topicId(deviceId)}`;
}

/** The discovery config topic of one Homie property: `homeassistant/sensor/t210/import_total/config`. */
export function discoveryTopic(
  topics: Pick<DeviceTopics, "prefix" | "deviceId">,
  node: string,
  property: string,
): string {
  return `${discoveryRoot(topics)}/${topicId(`${node}_${property}`)}/config`;
}

/** The topic Home Assistant announces itself on (`online` after it started). */
export function homeAssistantStatusTopic(prefix: string): string {
  return `${prefix}/status`;
}

/** The subscription filters that hold every retained topic of a device. */
export function deviceFilters(topics: DeviceTopics): string[] {
  return [homieTopic(topics, "#"), `${discoveryRoot(topics)}/#`];
}

/**
 * The MQTT client id of the device's connection, stable and unique per
 * device: `smr-t210`; with a purpose for a short-lived helper connection:
 * `smr-t210-purge`.
 */
export function clientId(deviceId: string, purpose?: string): string {
  return purpose === undefined ? `smr-${deviceId}` : `smr-${deviceId}-${purpose}`;
}
