/**
 * A set of strings that never changes: `add` and `delete` return a new set that shares all
 * but one path with the old one. It is a hash trie, 32 ways a level, so each costs the same
 * however many ids the set holds (the session machine steps once per client event; a copied
 * `Set` would cost as many as are connected). A library would do as well, but the one that
 * does (immutable) takes about 100 ms to load, as long as the whole service's start.
 */
export class IdSet implements Iterable<string> {
  static readonly EMPTY = new IdSet(undefined, 0);

  readonly #root: Slot;

  private constructor(
    root: Slot,
    readonly size: number,
  ) {
    this.#root = root;
  }

  has(id: string): boolean {
    return has(this.#root, id, hash(id), 0);
  }

  add(id: string): IdSet {
    const root = add(this.#root, id, hash(id), 0);
    return root === this.#root ? this : new IdSet(root, this.size + 1);
  }

  delete(id: string): IdSet {
    const root = remove(this.#root, id, hash(id), 0);
    return root === this.#root ? this : new IdSet(root, this.size - 1);
  }

  [Symbol.iterator](): Iterator<string> {
    return ids(this.#root);
  }
}

/**
 * The ids added lately: at least the last `kept`, at most twice as many. It forgets the
 * older half at a time, so that adding costs the same whatever it holds.
 */
export class RecentIds implements Iterable<string> {
  readonly #older: IdSet;
  readonly #recent: IdSet;

  constructor(
    readonly kept: number,
    older = IdSet.EMPTY,
    recent = IdSet.EMPTY,
  ) {
    this.#older = older;
    this.#recent = recent;
  }

  get size(): number {
    return this.#older.size + this.#recent.size;
  }

  has(id: string): boolean {
    return this.#recent.has(id) || this.#older.has(id);
  }

  add(id: string): RecentIds {
    if (this.has(id)) return this;
    return this.#recent.size < this.kept
      ? new RecentIds(this.kept, this.#older, this.#recent.add(id))
      : new RecentIds(this.kept, this.#recent, IdSet.EMPTY.add(id));
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.#older;
    yield* this.#recent;
  }
}

/**
 * An id, a node of 32 slots (indexed by 5 bits of the hash a level), or nothing. Past the
 * hash's last bits a node lists the ids whose hashes are equal.
 */
type Slot = string | Node | undefined;
type Node = readonly Slot[];

const BITS = 5;
const WIDTH = 1 << BITS;
const MAX_DEPTH = Math.ceil(32 / BITS);

/** FNV-1a, 32 bits (exported for the tests, which look for ids whose hashes are equal). */
export function hash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const index = (h: number, depth: number) => (h >>> (depth * BITS)) & (WIDTH - 1);

function has(slot: Slot, id: string, h: number, depth: number): boolean {
  if (slot === undefined) return false;
  if (typeof slot === 'string') return slot === id;
  if (depth === MAX_DEPTH) return slot.includes(id);
  return has(slot[index(h, depth)], id, h, depth + 1);
}

/** `slot` with `id` in it; `slot` itself when it holds it already. */
function add(slot: Slot, id: string, h: number, depth: number): Slot {
  if (slot === undefined) return id;
  if (typeof slot === 'string') {
    if (slot === id) return slot;
    // Two ids share the path so far: a node here holds both, one level down.
    const node: Node = depth === MAX_DEPTH ? [] : new Array<Slot>(WIDTH).fill(undefined);
    return add(add(node, slot, hash(slot), depth), id, h, depth);
  }
  if (depth === MAX_DEPTH) return slot.includes(id) ? slot : [...slot, id];
  const i = index(h, depth);
  const child = slot[i];
  const next = add(child, id, h, depth + 1);
  return next === child ? slot : replaced(slot, i, next);
}

/** `slot` without `id`; `slot` itself when it does not hold it. */
function remove(slot: Slot, id: string, h: number, depth: number): Slot {
  if (slot === undefined) return undefined;
  if (typeof slot === 'string') return slot === id ? undefined : slot;
  let next: Node;
  if (depth === MAX_DEPTH) {
    if (!slot.includes(id)) return slot;
    next = slot.filter((other) => other !== id);
  } else {
    const i = index(h, depth);
    const child = slot[i];
    const changed = remove(child, id, h, depth + 1);
    if (changed === child) return slot;
    next = replaced(slot, i, changed);
  }
  return compact(next);
}

function replaced(node: Node, i: number, slot: Slot): Node {
  const copy = node.slice();
  copy[i] = slot;
  return copy;
}

/** A node left with one id and no node below gives way to that id, an empty one to nothing, so the trie stays as small as its ids need. */
function compact(node: Node): Slot {
  let only: string | undefined;
  for (const slot of node) {
    if (slot === undefined) continue;
    if (typeof slot !== 'string' || only !== undefined) return node;
    only = slot;
  }
  return only;
}

function* ids(slot: Slot): Generator<string> {
  if (slot === undefined) return;
  if (typeof slot === 'string') yield slot;
  else for (const child of slot) yield* ids(child);
}
