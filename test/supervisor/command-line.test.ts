import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/supervisor/run.js';

describe('the command line of supervisor mode', () => {
  it('has no command without --', () => {
    expect(splitCommand(['--simulate', '--/exts/omni.services.transport.server.http/port=8011'])).toEqual({
      own: ['--simulate', '--/exts/omni.services.transport.server.http/port=8011'],
      command: undefined,
    });
  });

  it('gives everything after the first standalone -- to the command, -- and Kit arguments included', () => {
    expect(splitCommand(['-c', 'app.kit', '--', './kit', 'my.kit', '--', '--/app/window/width=800', '--no-window'])).toEqual({
      own: ['-c', 'app.kit'],
      command: ['./kit', 'my.kit', '--', '--/app/window/width=800', '--no-window'],
    });
  });

  it('does not split at an argument that only starts with --', () => {
    expect(splitCommand(['--simulate', '--/x=--']).command).toBeUndefined();
  });

  it('has an empty command after a trailing --', () => {
    expect(splitCommand(['--'])).toEqual({ own: [], command: [] });
  });
});
