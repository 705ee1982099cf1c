import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/core/event-log.js';

function logWith(count: number, capacity?: number): EventLog {
  const log = new EventLog(capacity);
  for (let i = 1; i <= count; i++) log.append('e', { i });
  return log;
}

describe('the event log', () => {
  it('numbers events from 1, one more each time', () => {
    const log = new EventLog();
    expect(log.lastId).toBe(0);
    expect(log.append('a', 1).id).toBe(1);
    expect(log.append('b', 2).id).toBe(2);
    expect(log.lastId).toBe(2);
  });

  it('gives the events after a known id, in order', () => {
    const { from, events } = logWith(5).since('2');
    expect(from).toBe(2);
    expect(events.map((e) => e.id)).toEqual([3, 4, 5]);
  });

  it('keeps only the last 256 events by default', () => {
    const log = logWith(300);
    expect(log.since('0').events.map((e) => e.id)).toEqual(Array.from({ length: 256 }, (_, i) => 45 + i));
  });

  it('gives every kept event for an id older than them', () => {
    expect(logWith(10, 3).since('1').events.map((e) => e.id)).toEqual([8, 9, 10]);
  });

  it('gives nothing after the last id', () => {
    expect(logWith(3).since('3')).toEqual({ from: 3, events: [] });
  });

  it.each([undefined, '', 'abc', '-1', '1.5', '99'])('gives nothing, from the last id, for %j', (value) => {
    expect(logWith(3).since(value)).toEqual({ from: 3, events: [] });
  });
});
