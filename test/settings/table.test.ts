import { describe, it, expect } from 'vitest';
import { DEFAULT_SETTINGS, SETTINGS } from '../../src/settings/table.js';

describe('the settings table', () => {
  it('lists every setting once, in the documented order', () => {
    expect(SETTINGS.map((s) => s.name)).toEqual([
      'quitOnSessionEnded',
      'resumeTimeoutSeconds',
      'waitForSessionReadyEvent',
      'endSessionOnResumeTimeout',
      'reconnectWindowSeconds',
      'port',
      'host',
      'accessToken',
      'allowedHosts',
      'trustedOrigins',
      'headersTimeoutSeconds',
      'requestTimeoutSeconds',
      'maxEventStreams',
      'appStopGraceSeconds',
      'maxSessionSeconds',
      'firstConnectionTimeoutSeconds',
      'idleTimeoutSeconds',
      'idleWarningSeconds',
      'drainOnStop',
      'agones',
      'agonesHealthPeriodSeconds',
      'agonesSessionsCounter',
      'agonesClientsList',
      'webhookUrl',
      'webhookSecret',
      'webhookSource',
      'webhookTimeoutSeconds',
      'webhookQueueSize',
      'webhookFlushSeconds',
      'appReadyWhen',
      'newFrameWhen',
      'sessionReadyWhen',
    ]);
  });

  it('uses Kit setting paths without a leading slash', () => {
    expect(Object.fromEntries(SETTINGS.map((s) => [s.name, s.path]))).toEqual({
      quitOnSessionEnded: 'exts/omni.services.livestream.session/quitOnSessionEnded',
      resumeTimeoutSeconds: 'exts/omni.services.livestream.session/resumeTimeoutSeconds',
      waitForSessionReadyEvent: 'exts/omni.services.livestream.session/waitForSessionReadyEvent',
      endSessionOnResumeTimeout: 'exts/omni.services.livestream.session/endSessionOnResumeTimeout',
      reconnectWindowSeconds: 'exts/omni.services.livestream.session/reconnectWindowSeconds',
      port: 'exts/omni.services.transport.server.http/port',
      host: 'exts/omni.services.transport.server.http/host',
      accessToken: 'exts/omni.services.livestream.session/accessToken',
      allowedHosts: 'exts/omni.services.livestream.session/allowedHosts',
      trustedOrigins: 'exts/omni.services.livestream.session/trustedOrigins',
      headersTimeoutSeconds: 'exts/omni.services.livestream.session/headersTimeoutSeconds',
      requestTimeoutSeconds: 'exts/omni.services.livestream.session/requestTimeoutSeconds',
      maxEventStreams: 'exts/omni.services.livestream.session/maxEventStreams',
      appStopGraceSeconds: 'exts/omni.services.livestream.session/appStopGraceSeconds',
      maxSessionSeconds: 'exts/omni.services.livestream.session/maxSessionSeconds',
      firstConnectionTimeoutSeconds: 'exts/omni.services.livestream.session/firstConnectionTimeoutSeconds',
      idleTimeoutSeconds: 'exts/omni.services.livestream.session/idleTimeoutSeconds',
      idleWarningSeconds: 'exts/omni.services.livestream.session/idleWarningSeconds',
      drainOnStop: 'exts/omni.services.livestream.session/drainOnStop',
      agones: 'exts/omni.services.livestream.session/agones',
      agonesHealthPeriodSeconds: 'exts/omni.services.livestream.session/agonesHealthPeriodSeconds',
      agonesSessionsCounter: 'exts/omni.services.livestream.session/agonesSessionsCounter',
      agonesClientsList: 'exts/omni.services.livestream.session/agonesClientsList',
      webhookUrl: 'exts/omni.services.livestream.session/webhookUrl',
      webhookSecret: 'exts/omni.services.livestream.session/webhookSecret',
      webhookSource: 'exts/omni.services.livestream.session/webhookSource',
      webhookTimeoutSeconds: 'exts/omni.services.livestream.session/webhookTimeoutSeconds',
      webhookQueueSize: 'exts/omni.services.livestream.session/webhookQueueSize',
      webhookFlushSeconds: 'exts/omni.services.livestream.session/webhookFlushSeconds',
      appReadyWhen: 'exts/omni.services.livestream.session/appReadyWhen',
      newFrameWhen: 'exts/omni.services.livestream.session/newFrameWhen',
      sessionReadyWhen: 'exts/omni.services.livestream.session/sessionReadyWhen',
    });
  });

  it('gives each setting its own environment variable', () => {
    const envs = SETTINGS.map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
    expect(envs.every((e) => e.startsWith('LIVESTREAM_SESSION_'))).toBe(true);
  });

  it('has the documented defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual({
      quitOnSessionEnded: true,
      resumeTimeoutSeconds: 30,
      waitForSessionReadyEvent: false,
      endSessionOnResumeTimeout: false,
      port: 8011,
      host: undefined,
      accessToken: undefined,
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      maxEventStreams: 16,
      appStopGraceSeconds: 10,
      maxSessionSeconds: 0,
      firstConnectionTimeoutSeconds: 0,
      idleTimeoutSeconds: 0,
      idleWarningSeconds: 10,
      drainOnStop: false,
      agones: undefined,
      agonesHealthPeriodSeconds: 2,
      agonesSessionsCounter: 'sessions',
      agonesClientsList: 'clients',
      webhookUrl: undefined,
      webhookSecret: undefined,
      webhookSource: undefined,
      webhookTimeoutSeconds: 10,
      webhookQueueSize: 1000,
      webhookFlushSeconds: 5,
      appReadyWhen: undefined,
      newFrameWhen: undefined,
      sessionReadyWhen: undefined,
    });
  });

  it('keeps its defaults frozen', () => {
    expect(Object.isFrozen(DEFAULT_SETTINGS)).toBe(true);
  });
});
