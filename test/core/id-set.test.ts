import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash, IdSet, RecentIds } from '../../src/core/id-set.js';

/** Ids whose 32-bit hashes are equal, found by trying ids until two meet (about 80,000 tries). */
function collidingIds(): [string, string, string] {
  const seen = new Map<number, string>();
  const found: string[] = [];
  for (let i = 0; found.length < 2; i++) {
    const id = `client-${i}`;
    const other = seen.get(hash(id));
    if (other !== undefined) found.push(other, id);
    seen.set(hash(id), id);
  }
  // A third with the same hash is not needed: two make the deepest node a list.
  return [found[0]!, found[1]!, 'client-other'];
}

const COLLIDING = collidingIds();

type Op = { add: boolean; id: string };
const ids = fc.constantFrom(...COLLIDING, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const ops = fc.array(fc.record({ add: fc.boolean(), id: fc.oneof(ids, fc.string({ maxLength: 3 })) }), { maxLength: 200 });

function apply(list: Op[]): { set: IdSet; expected: Set<string> } {
  let set = IdSet.EMPTY;
  const expected = new Set<string>();
  for (const { add, id } of list) {
    set = add ? set.add(id) : set.delete(id);
    if (add) expected.add(id);
    else expected.delete(id);
  }
  return { set, expected };
}

describe('an id set', () => {
  it('holds what a Set would after any adds and deletes, ids with equal hashes too', () => {
    expect(hash(COLLIDING[0])).toBe(hash(COLLIDING[1]));
    fc.assert(
      fc.property(ops, (list) => {
        const { set, expected } = apply(list);
        expect(set.size).toBe(expected.size);
        expect(new Set(set)).toEqual(expected);
        expect([...set]).toHaveLength(expected.size);
        for (const id of [...COLLIDING, 'a', 'b', 'zz', '']) expect(set.has(id)).toBe(expected.has(id));
      }),
    );
  });

  it('never changes: an add or a delete gives a new set and leaves the old one as it was', () => {
    fc.assert(
      fc.property(ops, ops, (first, then) => {
        const { set: before, expected } = apply(first);
        let after = before;
        for (const { add, id } of then) after = add ? after.add(id) : after.delete(id);
        expect(new Set(before)).toEqual(expected);
        expect(before.size).toBe(expected.size);
      }),
    );
  });

  it('gives itself back for an add of an id it holds or a delete of one it does not', () => {
    const set = IdSet.EMPTY.add('a').add(COLLIDING[0]).add(COLLIDING[1]);
    expect(set.add('a')).toBe(set);
    expect(set.add(COLLIDING[1])).toBe(set);
    expect(set.delete('b')).toBe(set);
    expect(set.delete(COLLIDING[2])).toBe(set);
  });

  it('has one order for the same ids, whatever the order they came in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 4 }), { maxLength: 60 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 20 }), (list, passing) => {
        const forward = list.reduce((s, id) => s.add(id), IdSet.EMPTY);
        // The other way round, with ids that come and go on the way.
        let backward = [...list].reverse().reduce((s, id) => s.add(id), IdSet.EMPTY);
        for (const id of passing) if (!list.includes(id)) backward = backward.add(id).delete(id);
        expect([...backward]).toEqual([...forward]);
      }),
    );
  });
});

describe('recent ids', () => {
  it('hold at least the last `kept` ids added, and at most twice as many', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 60 }), (kept, count) => {
        let recent = new RecentIds(kept);
        for (let i = 0; i < count; i++) recent = recent.add(`id-${i}`);
        for (let i = Math.max(0, count - kept); i < count; i++) expect(recent.has(`id-${i}`)).toBe(true);
        expect(recent.size).toBeLessThanOrEqual(2 * kept);
        expect(recent.size).toBeGreaterThanOrEqual(Math.min(count, kept));
        expect([...recent]).toHaveLength(recent.size);
      }),
    );
  });

  it('add an id they hold as nothing new', () => {
    const recent = new RecentIds(2).add('a').add('b');
    expect(recent.add('a')).toBe(recent);
  });
});
