// pydantic's lax reading, as the original's request models apply it (the same in pydantic 1 and 2).
import { describe, expect, it } from 'vitest';
import { toBoolean, toPort } from '../../src/core/lenient.js';

describe('a boolean read as the original reads it', () => {
  it.each([true, 1, '1', 't', 'T', 'y', 'yes', 'Yes', 'on', 'ON', 'true', 'True', 'TRUE'] as const)('takes %j as true', (value) => {
    expect(toBoolean(value)).toBe(true);
  });

  it.each([false, 0, '0', 'f', 'n', 'no', 'off', 'false', 'False', 'FALSE'] as const)('takes %j as false', (value) => {
    expect(toBoolean(value)).toBe(false);
  });

  it('takes null as absent', () => {
    expect(toBoolean(null)).toBeUndefined();
    expect(toBoolean(undefined)).toBeUndefined();
  });
});

describe('a port read as the original reads it', () => {
  it('takes an integer or a string of digits as the integer', () => {
    expect(toPort(3478)).toBe(3478);
    expect(toPort('3478')).toBe(3478);
    expect(toPort('049100')).toBe(49100);
  });

  it('takes null as absent', () => {
    expect(toPort(null)).toBeUndefined();
    expect(toPort(undefined)).toBeUndefined();
  });
});
