import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/core/event-log.js';

function logWith(count: number, capacity?: number, instance?: string): EventLog {
  const log = new EventLog(capacity, instance);
  for (let i = 1; i <= count; i++) log.append('e', { i });
  return log;
}

const ids = (log: EventLog, lastEventId: string | undefined) => log.since(lastEventId).events.map((e) => e.id);

describe('the event log', () => {
  it('numbers events from 1, one more each time, and sends each as <instance>-<number>', () => {
    const log = new EventLog(256, 'abc123');
    expect(log.lastId).toBe(0);
    expect(log.append('a', 1)).toEqual({ id: 1, sseId: 'abc123-1', event: 'a', data: 1 });
    expect(log.append('b', 2).sseId).toBe('abc123-2');
    expect(log.lastId).toBe(2);
    expect(log.sseIdOf(0)).toBe('abc123-0');
  });

  it('draws a different instance part each time the service starts', () => {
    const instances = new Set(Array.from({ length: 100 }, () => new EventLog().instance));
    expect(instances.size).toBe(100);
    expect([...instances][0]).toMatch(/^[0-9a-f]{12}$/);
  });

  it('gives the events after one of its ids, in order', () => {
    const log = logWith(5, 256, 'i1');
    expect(log.since('i1-2')).toEqual({ after: 2, events: [3, 4, 5].map((id) => expect.objectContaining({ id })) });
  });

  it('keeps only the last 256 events by default', () => {
    const log = logWith(300, undefined, 'i1');
    expect(ids(log, 'i1-0')).toEqual(Array.from({ length: 256 }, (_, i) => 45 + i));
  });

  it('gives every kept event for one of its ids older than them', () => {
    expect(ids(logWith(10, 3, 'i1'), 'i1-1')).toEqual([8, 9, 10]);
  });

  it('gives nothing after its last id', () => {
    expect(logWith(3, 256, 'i1').since('i1-3')).toEqual({ after: 3, events: [] });
  });

  it('gives a new listener (no id) nothing kept: it starts from the last id', () => {
    for (const none of [undefined, '', '  ']) expect(logWith(3, 256, 'i1').since(none)).toEqual({ after: 3, events: [] });
  });

  it.each([
    ['an id of an instance that ran before', 'f00dfeed0000-9'],
    ['a number alone, as ids were once', '2'],
    ['0', '0'],
    ['one of its own ids above the last', 'i1-99'],
    ['garbage', 'abc'],
    ['a negative number', 'i1--1'],
    ['a fraction', 'i1-1.5'],
  ])('gives every kept event for %s', (_what, value) => {
    expect(ids(logWith(3, 256, 'i1'), value)).toEqual([1, 2, 3]);
    expect(ids(logWith(10, 4, 'i1'), value)).toEqual([7, 8, 9, 10]);
  });

  it('gives nothing for any id when nothing was dispatched yet', () => {
    expect(logWith(0, 256, 'i1').since('f00dfeed0000-9')).toEqual({ after: 0, events: [] });
  });
});
