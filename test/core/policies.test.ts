import { describe, expect, it } from 'vitest';
import { createKitEventBus } from '../../src/core/bus.js';
import { FakeClock } from '../../src/core/clock.js';
import type { SessionEndedPayload } from '../../src/core/events.js';
import type { MachineSettings } from '../../src/core/machine.js';
import { policyClocks } from '../../src/core/policies.js';
import { Session } from '../../src/core/session.js';
import { CREDS, settingsWith } from './helpers.js';

const APP_READY = 'omni.kit.app.GLOBAL_EVENT_APP_READY';
const NEW_FRAME = 'omni.usd.StageRenderingEventType.NEW_FRAME';
const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
const CLIENT_DISCONNECTED = 'omni.kit.livestream.client_disconnected:immediate';
const SESSION_ENDED = 'omni.services.livestream.session.ended';
const USER_INPUT = 'omni.services.livestream.session.user_input';
const IDLE_WARNING = 'omni.services.livestream.session.idle_warning';
const IDLE_WARNING_CANCELLED = 'omni.services.livestream.session.idle_warning_cancelled';

const silent = { info() {}, warn() {}, error() {} };

/** A fake clock that counts the timers set on it. */
class CountingClock extends FakeClock {
  timersSet = 0;
  override setTimeout(callback: () => void, ms: number) {
    this.timersSet += 1;
    return super.setTimeout(callback, ms);
  }
}

/** A session on a fake clock with the streaming app up, recording what it dispatched and each quit. */
function live(overrides: Partial<MachineSettings>) {
  const bus = createKitEventBus();
  const clock = new CountingClock(5_000);
  const ended: SessionEndedPayload[] = [];
  const quits: number[] = [];
  /** The idle events in order: a warning's secondsLeft, or 'cancelled'. */
  const idle: Array<number | 'cancelled'> = [];
  bus.on(SESSION_ENDED, (payload) => ended.push(payload));
  bus.on(IDLE_WARNING, (payload) => idle.push(payload.secondsLeft));
  bus.on(IDLE_WARNING_CANCELLED, () => idle.push('cancelled'));
  const settings = settingsWith(overrides);
  const session = new Session({ settings, clock, bus, onQuit: (code) => quits.push(code), logger: silent });
  bus.emit(APP_READY);
  bus.emit(NEW_FRAME);
  const reason = () => session.readiness().reason;
  const left = () => policyClocks(session.state, settings, clock.now());
  return {
    bus,
    clock,
    session,
    ended,
    quits,
    idle,
    reason,
    left,
    connect: () => bus.emit(CLIENT_CONNECTED),
    disconnect: () => bus.emit(CLIENT_DISCONNECTED),
    input: () => bus.emit(USER_INPUT),
  };
}

describe('maxSessionSeconds', () => {
  it('ends the session with cause MAX_SESSION_LENGTH exactly when it runs out, counted from the first client connection', () => {
    const s = live({ maxSessionSeconds: 60 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(20); // credentials do not start it
    s.connect();
    expect(s.left().sessionSecondsLeft).toBe(60);
    s.clock.advance(59_999);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('SESSION_ACTIVE');
    expect(s.left().sessionSecondsLeft).toBe(1);
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: null, cause: 'MAX_SESSION_LENGTH' }]);
    expect(s.quits).toEqual([0]);
    expect(s.reason()).toBe('SESSION_ENDED');
    expect(s.left().sessionSecondsLeft).toBeNull();
  });

  it('is not restarted by more clients, nor by a client leaving and coming back', () => {
    const s = live({ maxSessionSeconds: 60 });
    s.connect();
    s.clock.advanceSeconds(30);
    s.disconnect();
    s.connect();
    s.connect();
    s.clock.advanceSeconds(30);
    expect(s.ended.map((e) => e.cause)).toEqual(['MAX_SESSION_LENGTH']);
  });

  it('ends the session while a resume window is open: the window does not extend it', () => {
    const s = live({ maxSessionSeconds: 60, resumeTimeoutSeconds: 300, endSessionOnResumeTimeout: true });
    s.connect();
    s.clock.advanceSeconds(50);
    s.disconnect();
    expect(s.session.endSession({ sessionId: 'sess-1' })).toBe('AWAITING_RESUME');
    s.clock.advance(9_999);
    expect(s.reason()).toBe('AWAITING_RESUME');
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: 'sess-1', cause: 'MAX_SESSION_LENGTH' }]);
    // The resume timer went with it: nothing more when the window would have passed.
    s.clock.advanceSeconds(600);
    expect(s.ended).toHaveLength(1);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('is not extended by a resumed session either', () => {
    const s = live({ maxSessionSeconds: 60, quitOnSessionEnded: false });
    s.connect();
    s.disconnect();
    s.session.endSession();
    s.clock.advanceSeconds(20);
    s.connect(); // resumed
    s.clock.advanceSeconds(40);
    expect(s.ended.map((e) => e.cause)).toEqual(['MAX_SESSION_LENGTH']);
  });

  it('gives the next session a clock of its own when the service does not quit', () => {
    const s = live({ maxSessionSeconds: 60, quitOnSessionEnded: false });
    s.connect();
    s.clock.advanceSeconds(10);
    s.session.endSession({ gracefulShutdown: true });
    s.disconnect();
    s.clock.advanceSeconds(100);
    expect(s.ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN']);
    s.connect(); // a new session begins
    s.clock.advance(59_999);
    expect(s.ended).toHaveLength(1);
    s.clock.advance(1);
    expect(s.ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN', 'MAX_SESSION_LENGTH']);
    expect(s.reason()).toBe('WAITING_FOR_PREVIOUS_CLIENT');
    expect(s.quits).toEqual([]);
  });

  it('of 0 never ends a session, nor starts a timer', () => {
    const s = live({ maxSessionSeconds: 0 });
    s.connect();
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(365 * 24 * 3600);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('SESSION_ACTIVE');
    expect(s.left().sessionSecondsLeft).toBeNull();
  });
});

describe('firstConnectionTimeoutSeconds', () => {
  it('ends a session no client connected to with cause NO_CLIENT_CONNECTED exactly when it runs out, counted from the credentials', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120 });
    s.clock.advanceSeconds(500); // nothing counts before the credentials
    expect(s.ended).toEqual([]);
    s.session.setCredentials(CREDS);
    expect(s.left().firstConnectionSecondsLeft).toBe(120);
    s.clock.advance(119_999);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('READY_FOR_CONNECTION');
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: null, cause: 'NO_CLIENT_CONNECTED' }]);
    expect(s.quits).toEqual([0]);
    expect(s.reason()).toBe('SESSION_ENDED');
  });

  it('is not restarted by the same credentials sent again', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(100);
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(20);
    expect(s.ended.map((e) => e.cause)).toEqual(['NO_CLIENT_CONNECTED']);
  });

  it('stops for good when a client connects one tick before it runs out', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120 });
    s.session.setCredentials(CREDS);
    s.clock.advance(119_999);
    s.connect();
    expect(s.left().firstConnectionSecondsLeft).toBeNull();
    s.clock.advanceSeconds(3600);
    s.disconnect();
    s.clock.advanceSeconds(3600);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('READY_FOR_CONNECTION');
  });

  it('hands over to maxSessionSeconds when the first client connects', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120, maxSessionSeconds: 60 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(100);
    s.connect();
    expect(s.left()).toEqual({ sessionSecondsLeft: 60, firstConnectionSecondsLeft: null, idleSecondsLeft: null });
    s.clock.advanceSeconds(60);
    expect(s.ended.map((e) => e.cause)).toEqual(['MAX_SESSION_LENGTH']);
  });

  it('of 0 never ends a session, nor starts a timer', () => {
    const s = live({ firstConnectionTimeoutSeconds: 0 });
    s.session.setCredentials(CREDS);
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(365 * 24 * 3600);
    expect(s.ended).toEqual([]);
    expect(s.left().firstConnectionSecondsLeft).toBeNull();
  });
});

describe('idleTimeoutSeconds', () => {
  it('warns idleWarningSeconds before the end, then ends the session with cause IDLE_TIMEOUT when no input came, counted from the first connection', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(500); // nothing is counted before a client connects
    s.connect();
    expect(s.left().idleSecondsLeft).toBe(60);
    s.clock.advance(49_999);
    expect(s.idle).toEqual([]);
    s.clock.advance(1);
    expect(s.idle).toEqual([10]);
    expect(s.left().idleSecondsLeft).toBe(10);
    s.clock.advance(9_999);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('SESSION_ACTIVE');
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: null, cause: 'IDLE_TIMEOUT' }]);
    expect(s.idle).toEqual([10]); // the end, not a cancel, follows the warning
    expect(s.quits).toEqual([0]);
    expect(s.reason()).toBe('SESSION_ENDED');
    expect(s.left().idleSecondsLeft).toBeNull();
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('starts counting again from input one tick before the end', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 0 });
    s.connect();
    s.clock.advance(59_999);
    s.input();
    s.clock.advance(1);
    expect(s.ended).toEqual([]);
    expect(s.left().idleSecondsLeft).toBe(60);
    s.clock.advance(59_998);
    expect(s.ended).toEqual([]);
    s.clock.advance(1);
    expect(s.ended.map((e) => e.cause)).toEqual(['IDLE_TIMEOUT']);
    expect(s.idle).toEqual([]); // no warning with idleWarningSeconds 0
  });

  it('cancels the warning on input after it, and warns again when the new count comes near its end', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10 });
    s.connect();
    s.clock.advanceSeconds(55);
    expect(s.idle).toEqual([10]);
    s.input();
    expect(s.idle).toEqual([10, 'cancelled']);
    s.input(); // more input after the cancel cancels nothing more
    expect(s.idle).toEqual([10, 'cancelled']);
    s.clock.advance(49_999);
    expect(s.idle).toEqual([10, 'cancelled']);
    s.clock.advance(1);
    expect(s.idle).toEqual([10, 'cancelled', 10]);
    s.clock.advanceSeconds(10);
    expect(s.ended.map((e) => e.cause)).toEqual(['IDLE_TIMEOUT']);
  });

  it('sets no timer per input: a thousand inputs a second only move the count', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10 });
    s.connect();
    const before = s.clock.timersSet;
    for (let ms = 0; ms < 100_000; ms += 1) {
      s.input();
      s.clock.advance(1);
    }
    // The one timer fires at 50 s and 100 s after the connect and is set again for the count's next warning.
    expect(s.clock.timersSet - before).toBe(2);
    expect(s.clock.pendingTimers).toBe(1);
    expect(s.idle).toEqual([]);
    expect(s.ended).toEqual([]);
    expect(s.left().idleSecondsLeft).toBe(60);
  });

  it('stops counting when the last client disconnects, cancelling a warning, and counts afresh from a reconnect', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10 });
    s.connect();
    s.connect();
    s.clock.advanceSeconds(30);
    s.disconnect(); // one of two: the count goes on
    expect(s.left().idleSecondsLeft).toBe(30);
    s.clock.advanceSeconds(25);
    expect(s.idle).toEqual([10]);
    s.disconnect(); // the last one
    expect(s.idle).toEqual([10, 'cancelled']);
    expect(s.left().idleSecondsLeft).toBeNull();
    expect(s.clock.pendingTimers).toBe(0);
    s.input(); // input with nobody connected starts nothing
    s.clock.advanceSeconds(3600);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('READY_FOR_CONNECTION');
    s.connect();
    expect(s.left().idleSecondsLeft).toBe(60);
    s.clock.advance(59_999);
    expect(s.ended).toEqual([]);
    s.clock.advance(1);
    expect(s.ended.map((e) => e.cause)).toEqual(['IDLE_TIMEOUT']);
    expect(s.idle).toEqual([10, 'cancelled', 10]);
  });

  it('does not count while a resume window is open when it would run out, and counts afresh once the session resumes', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10, resumeTimeoutSeconds: 300 });
    s.connect();
    s.clock.advanceSeconds(55);
    // NVCF may end the session before the application reports its client gone.
    expect(s.session.endSession({ sessionId: 'sess-1' })).toBe('AWAITING_RESUME');
    expect(s.idle).toEqual([10, 'cancelled']);
    expect(s.left().idleSecondsLeft).toBeNull();
    s.disconnect();
    s.clock.advanceSeconds(250);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('AWAITING_RESUME');
    s.connect(); // resumed
    expect(s.reason()).toBe('SESSION_ACTIVE');
    s.clock.advance(59_999);
    expect(s.ended).toEqual([]);
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: 'sess-1', cause: 'IDLE_TIMEOUT' }]);
  });

  it('leaves a resume window that runs out by itself to end with cause RESUME_TIMEOUT', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10, resumeTimeoutSeconds: 30, endSessionOnResumeTimeout: true });
    s.connect();
    s.clock.advanceSeconds(45);
    s.disconnect();
    s.session.endSession();
    s.clock.advanceSeconds(30); // past the idle time-out's 60 s, at the window's 30 s
    expect(s.ended.map((e) => e.cause)).toEqual(['RESUME_TIMEOUT']);
    expect(s.idle).toEqual([]);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('gives the next session a count of its own when the service does not quit, from its first connection', () => {
    const s = live({ idleTimeoutSeconds: 60, idleWarningSeconds: 10, quitOnSessionEnded: false });
    s.connect();
    s.clock.advanceSeconds(60);
    expect(s.ended.map((e) => e.cause)).toEqual(['IDLE_TIMEOUT']);
    expect(s.reason()).toBe('WAITING_FOR_PREVIOUS_CLIENT');
    s.session.setCredentials(CREDS); // a new session, but the client connected is the last one's
    s.clock.advanceSeconds(600);
    expect(s.ended).toHaveLength(1);
    s.disconnect();
    s.connect();
    s.clock.advanceSeconds(60);
    expect(s.ended.map((e) => e.cause)).toEqual(['IDLE_TIMEOUT', 'IDLE_TIMEOUT']);
    expect(s.quits).toEqual([]);
  });

  it('of 0 never ends a session, nor starts a timer, whatever the warning', () => {
    const s = live({ idleTimeoutSeconds: 0, idleWarningSeconds: 10 });
    s.connect();
    s.input();
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(365 * 24 * 3600);
    expect(s.ended).toEqual([]);
    expect(s.idle).toEqual([]);
    expect(s.reason()).toBe('SESSION_ACTIVE');
    expect(s.left().idleSecondsLeft).toBeNull();
  });
});

describe('draining on SIGTERM or SIGINT', () => {
  it('answers 503 recycle-instance with reason SHUTTING_DOWN at once, and ends a live session with cause SHUTDOWN and the deadline', async () => {
    const s = live({ maxSessionSeconds: 60, resumeTimeoutSeconds: 30, endSessionOnResumeTimeout: true });
    s.connect();
    s.disconnect();
    s.session.endSession({ sessionId: 'sess-9' });
    const draining = s.session.drain(10);
    // At once, before the drain resolves.
    expect(s.session.readiness()).toEqual({ httpStatus: 503, statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SHUTTING_DOWN' });
    expect(s.ended).toEqual([{ sessionId: 'sess-9', cause: 'SHUTDOWN', deadlineSeconds: 10 }]);
    await draining;
    // Its timers are gone, and nothing quits: the service is stopping already.
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(600);
    expect(s.ended).toHaveLength(1);
    expect(s.quits).toEqual([]);
  });

  it('keeps answering SHUTTING_DOWN and dispatches nothing twice, whatever comes after', async () => {
    const s = live({});
    await s.session.drain();
    await s.session.drain();
    s.connect();
    s.session.setCredentials(CREDS);
    expect(s.session.endSession({ gracefulShutdown: true })).toBe('COMPLETE');
    expect(s.ended).toEqual([{ sessionId: null, cause: 'SHUTDOWN' }]);
    expect(s.reason()).toBe('SHUTTING_DOWN');
    expect(s.quits).toEqual([]);
  });

  it('dispatches nothing when the session has already ended', async () => {
    const s = live({ quitOnSessionEnded: false });
    s.session.endSession({ gracefulShutdown: true });
    await s.session.drain(10);
    expect(s.ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN']);
    expect(s.reason()).toBe('SHUTTING_DOWN');
  });

  it('answers SHUTTING_DOWN even before the application is ready', async () => {
    const bus = createKitEventBus();
    const session = new Session({ settings: settingsWith(), clock: new FakeClock(), bus, onQuit() {}, logger: silent });
    expect(session.readiness().reason).toBe('APP_NOT_READY');
    await session.drain();
    expect(session.readiness().reason).toBe('SHUTTING_DOWN');
  });
});
