/** Variables a template can read, by name. A Map: no name can reach an object's prototype. */
export type Variables = ReadonlyMap<string, unknown>;

/** Later layers win, as Ansible's precedence does. */
export function mergeVariables(...layers: readonly (Variables | Readonly<Record<string, unknown>> | undefined)[]): Variables {
  const merged = new Map<string, unknown>();
  for (const layer of layers) {
    for (const [name, value] of layer instanceof Map ? (layer as Variables) : Object.entries(layer ?? {})) merged.set(name, value);
  }
  return merged;
}
