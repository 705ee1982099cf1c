// The request models of the original are pydantic models whose fields are all optional, read
// in pydantic's default (lax) mode: `null` is as good as absent, a port may come as a string
// of digits and a boolean in several spellings. The spec declares those forms (the validator
// has checked them); these turn them into the plain values the session works with.
import type { BooleanRequest, PortRequest } from '../../generated/types.gen.js';

/** The spellings of true that pydantic 1 and 2 both take, lower-cased (the spec allows no others). */
const TRUE = new Set(['1', 't', 'y', 'true', 'yes', 'on']);

export function toBoolean(value: BooleanRequest | undefined): boolean | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  return TRUE.has(value.toLowerCase());
}

export function toPort(value: PortRequest | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' ? value : Number(value);
}

/** The fields given that are neither `null` nor absent. */
export function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value != null)) as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}
