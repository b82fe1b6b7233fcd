/**
 * Meter manufacturers by their three-letter FLAG id (the DLMS User
 * Association's register), which DSMR headers, IEC 62056-21 identification
 * lines and SML server ids all begin with.
 */

const NAMES: Readonly<Record<string, string>> = {
  ABB: "ABB",
  ACE: "Actaris",
  DZG: "DZG",
  EBZ: "eBZ",
  ELS: "Elster",
  EMH: "EMH",
  ENE: "Sagemcom",
  ESY: "EasyMeter",
  EST: "Sagemcom",
  FLU: "Fluvius",
  HAG: "Hager",
  HLY: "Holley",
  ISK: "Iskra",
  KAM: "Kamstrup",
  KFM: "Kaifa",
  KMP: "Kamstrup",
  LGF: "Landis+Gyr",
  LGZ: "Landis+Gyr",
  LUG: "Landis+Gyr",
  SAG: "Sagemcom",
  SIE: "Siemens",
  XMX: "Landis+Gyr",
};

/** The manufacturer's name for a FLAG id in any case, or undefined when it is not known. */
export function manufacturerName(flag: string): string | undefined {
  return NAMES[flag.toUpperCase()];
}
