import { describe, it, expect } from 'vitest';
import { closest, editDistance } from '../../src/settings/closest.js';

describe('closest', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('picks the nearest candidate', () => {
    expect(closest('resumeTimeoutSecond', ['quitOnSessionEnded', 'resumeTimeoutSeconds'])).toBe(
      'resumeTimeoutSeconds',
    );
  });
});
