import { describe, it, expect } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';

describe('FakeClock', () => {
  it('starts at the given time and only moves when told to', () => {
    const clock = new FakeClock(500);
    expect(clock.now()).toBe(500);
    expect(clock.now()).toBe(500);
    clock.advance(250);
    expect(clock.now()).toBe(750);
    clock.advanceSeconds(2);
    expect(clock.now()).toBe(2_750);
    expect(new FakeClock().now()).toBe(0);
  });

  it('runs due timers in time order, not in the order they were set', () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push('c'), 300);
    clock.setTimeout(() => ran.push('a'), 100);
    clock.setTimeout(() => ran.push('b'), 200);
    clock.advance(1_000);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('runs timers due at the same time in the order they were set', () => {
    const clock = new FakeClock();
    const ran: number[] = [];
    for (const n of [1, 2, 3]) clock.setTimeout(() => ran.push(n), 50);
    clock.advance(50);
    expect(ran).toEqual([1, 2, 3]);
  });

  it('does not run a timer early, and runs it exactly when due', () => {
    const clock = new FakeClock();
    let ran = 0;
    clock.setTimeout(() => ran++, 1_000);
    clock.advance(999);
    expect(ran).toBe(0);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    expect(ran).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10_000);
    expect(ran).toBe(1);
  });

  it('shows the due time as now() inside a timer callback', () => {
    const clock = new FakeClock(100);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 40);
    clock.setTimeout(() => seen.push(clock.now()), 10);
    clock.advance(1_000);
    expect(seen).toEqual([110, 140]);
    expect(clock.now()).toBe(1_100);
  });

  it('never runs a cleared timer', () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const a = clock.setTimeout(() => ran.push('a'), 10);
    clock.setTimeout(() => ran.push('b'), 20);
    expect(clock.pendingTimers).toBe(2);
    clock.clearTimeout(a);
    clock.clearTimeout(a); // harmless twice
    expect(clock.pendingTimers).toBe(1);
    clock.advance(100);
    expect(ran).toEqual(['b']);
  });

  it('never runs a timer cleared by an earlier timer in the same advance', () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const later = clock.setTimeout(() => ran.push('later'), 20);
    clock.setTimeout(() => {
      ran.push('first');
      clock.clearTimeout(later);
    }, 10);
    clock.advance(100);
    expect(ran).toEqual(['first']);
  });

  it('runs a timer set by a callback when it falls due within the same advance', () => {
    const clock = new FakeClock();
    const ran: Array<[string, number]> = [];
    clock.setTimeout(() => {
      ran.push(['outer', clock.now()]);
      clock.setTimeout(() => ran.push(['inner', clock.now()]), 30);
    }, 10);
    clock.advance(35);
    expect(ran).toEqual([['outer', 10]]);
    clock.advance(5);
    expect(ran).toEqual([
      ['outer', 10],
      ['inner', 40],
    ]);
  });

  it('advances in seconds with advanceSeconds', () => {
    const clock = new FakeClock();
    let ran = false;
    clock.setTimeout(() => (ran = true), 30_000);
    clock.advanceSeconds(29.5);
    expect(ran).toBe(false);
    clock.advanceSeconds(0.5);
    expect(ran).toBe(true);
  });
});
