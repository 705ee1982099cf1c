import { describe, expect, it } from 'vitest';
import { canMatchWithoutLineBreak } from '../../src/settings/line-breaks.js';
import { parseReadyRule } from '../../src/settings/ready-rules.js';

describe('an output: rule that can only match across a line break', () => {
  it.each(['a\\nb', '\\r', 'done$\\n', '(a|\\n)\\n', '[\\n]', '\\n+', '[\\r\\n]', 'x(?:\\r\\n){2}', '\n'])('is refused: %j', (source) => {
    expect(canMatchWithoutLineBreak(new RegExp(source))).toBe(false);
    expect(parseReadyRule(`output:${source}`)).toEqual({ error: expect.stringContaining('can never match') });
  });

  it.each(['app ready', '^ready$', '[^\\n]+', '[\\s\\S]', '\\s', 'a|\\n', '\\n*ok', '(?=\\n)?x', '[\\n-\\r]', '.', '\\u2028'])('is not what %j is', (source) => {
    expect(canMatchWithoutLineBreak(new RegExp(source))).toBe(true);
    expect(parseReadyRule(`output:${source}`)).toMatchObject({ kind: 'output' });
  });
});
