import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../src/settings/table.js';
import { waitingHint } from '../src/start-hint.js';

const URL = 'http://127.0.0.1:8011/v1/streaming/events';

describe('the start-up hint of a service without an application', () => {
  it('names the events readiness waits for, where to send them, and the other ways', () => {
    const hint = waitingHint(DEFAULT_SETTINGS, URL)!;
    expect(hint).toContain('omni.kit.app.GLOBAL_EVENT_APP_READY, omni.usd.StageRenderingEventType.NEW_FRAME to POST http://127.0.0.1:8011/v1/streaming/events');
    expect(hint).toContain('--simulate');
    expect(hint).toContain('appReadyWhen/newFrameWhen');
    expect(hint).toContain('livestream-session -- <command>');
  });

  it('names the session ready event too when the settings wait for it', () => {
    expect(waitingHint({ ...DEFAULT_SETTINGS, waitForSessionReadyEvent: true }, URL)).toContain(', omni.services.livestream.session.ready to POST');
  });

  it('leaves out what a readiness rule raises', () => {
    const hint = waitingHint({ ...DEFAULT_SETTINGS, appReadyWhen: 'tcp:9000' }, URL)!;
    expect(hint).not.toContain('GLOBAL_EVENT_APP_READY');
    expect(hint).toContain('set newFrameWhen (see --help)');
  });

  it('is not given when rules raise every event readiness needs', () => {
    expect(waitingHint({ ...DEFAULT_SETTINGS, appReadyWhen: 'tcp:9000', newFrameWhen: 'http://127.0.0.1:9000/' }, URL)).toBeUndefined();
  });
});
