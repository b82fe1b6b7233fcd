/** Configuration errors: a message naming the file, the key and what was expected. */

/** Exit code for configuration errors (EX_CONFIG), so systemd does not restart-loop. */
export const EX_CONFIG = 78;

/** A configuration problem a person can fix; its message never contains a secret. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
