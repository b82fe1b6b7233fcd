/**
 * Friendly names and Homie `$type`s of the nodes meters deliver. A node not
 * listed here gets its id as name and type.
 */

/** The node of registers that have no node of their own (heat meters' less common registers). */
export const REGISTERS_NODE = "registers";

/** Name and type of one Homie node. */
export interface NodeDescription {
  name: string;
  type: string;
}

/** Every node smr knows, by node id. */
export const NODES: Record<string, NodeDescription> = {
  meter: { name: "Meter", type: "meter-info" },
  import: { name: "Active energy import", type: "active-energy" },
  export: { name: "Active energy export", type: "active-energy" },
  power: { name: "Active power", type: "active-power" },
  reactive: { name: "Reactive energy and power", type: "reactive" },
  l1: { name: "Phase L1", type: "phase" },
  l2: { name: "Phase L2", type: "phase" },
  l3: { name: "Phase L3", type: "phase" },
  gas: { name: "Gas", type: "gas" },
  heat: { name: "Heat", type: "heat-energy" },
  water: { name: "Water", type: "water" },
  circuit: { name: "Heating circuit", type: "flow" },
  outages: { name: "Power failures", type: "power-failures" },
  temperature: { name: "Temperatures", type: "temperatures" },
  registers: { name: "Other meter registers", type: "kmp-registers" },
  status: { name: "Reader status", type: "status" },
};

/** Describes a node, falling back to its id for unknown ones. */
export function describeNode(id: string): NodeDescription {
  return NODES[id] ?? { name: id, type: id };
}
