import { describe, it, expect } from 'vitest';
import { READINESS_TABLE, readiness } from '../../src/core/readiness.js';
import type { MachineSettings } from '../../src/core/machine.js';
import {
  DEFAULTS,
  UP,
  appExited,
  appReady,
  at,
  connect,
  credentials,
  disconnect,
  endSession,
  newFrame,
  run,
  sessionReady,
  settingsWith,
  shutdown,
  type Script,
} from './helpers.js';

// Copied byte for byte from BEHAVIOUR.md's readiness table (not imported from the code).
const ROW = {
  1: { statusMessage: 'Status: App not ready', httpStatus: 503 },
  2: { statusMessage: 'Status: Rtx not ready', httpStatus: 503 },
  3: { statusMessage: 'Status: Session ready event not received', httpStatus: 503 },
  4: { statusMessage: 'Status: Waiting for previous client to disconnect', httpStatus: 503 },
  5: { statusMessage: 'Status: Streaming session ended (recycle instance)', httpStatus: 503 },
  6: { statusMessage: 'Status: Awaiting session resume (keep alive)', httpStatus: 200 },
  7: { statusMessage: 'Status: Streaming session active (keep alive)', httpStatus: 200 },
  8: { statusMessage: 'Status: Ready for connection', httpStatus: 200 },
} as const;
type RowNumber = keyof typeof ROW;

const NO_QUIT = settingsWith({ quitOnSessionEnded: false });
const WAIT = settingsWith({ waitForSessionReadyEvent: true });
const WAIT_NO_QUIT = settingsWith({ waitForSessionReadyEvent: true, quitOnSessionEnded: false });

/** The readiness answer after `script`, asked at the time of its last input (or at `now`). */
function readyAfter(script: Script, settings: MachineSettings = DEFAULTS, now?: number) {
  const { state, now: end } = run(script, settings);
  return readiness(state, settings, now ?? end);
}

function rowOf(answer: { statusMessage: string; httpStatus: number }): RowNumber | undefined {
  const found = (Object.keys(ROW) as unknown as RowNumber[]).find(
    (n) => ROW[n].statusMessage === answer.statusMessage && ROW[n].httpStatus === answer.httpStatus,
  );
  return found === undefined ? undefined : (Number(found) as RowNumber);
}

const secondsLeft = (r: ReturnType<typeof readiness>) => ('resumeSecondsLeft' in r ? r.resumeSecondsLeft : undefined);

const expectRow = (answer: ReturnType<typeof readiness>, row: RowNumber) => {
  expect({ statusMessage: answer.statusMessage, httpStatus: answer.httpStatus }).toEqual(ROW[row]);
};

describe('the readiness table', () => {
  it('has the eight rows of BEHAVIOUR.md, in order, with their exact messages and HTTP codes, after the shutting-down and application-exited rows', () => {
    const [shuttingDown, exited, ...kit] = READINESS_TABLE.map(({ statusMessage, httpStatus }) => ({ statusMessage, httpStatus }));
    expect(kit).toEqual(Object.values(ROW));
    expect(shuttingDown).toEqual(ROW[5]);
    expect(exited).toEqual(ROW[5]);
  });

  it('has a distinct stable reason code per row, but for the application-exited row, which answers as row 5 does', () => {
    const reasons = READINESS_TABLE.map((r) => r.reason);
    expect(new Set(reasons).size).toBe(9);
    expect(reasons.filter((r) => r === 'SESSION_ENDED')).toHaveLength(2);
    expect(reasons[1]).toBe('SESSION_ENDED');
    for (const reason of reasons) expect(reason).toMatch(/^[A-Z_]+$/);
  });
});

describe('each row', () => {
  it('1: answers "Status: App not ready" 503 before the app-ready event', () => {
    const answer = readyAfter([]);
    expectRow(answer, 1);
    expect(answer.reason).toBe('APP_NOT_READY');
  });

  it('2: answers "Status: Rtx not ready" 503 after app-ready and before the first frame', () => {
    const answer = readyAfter([appReady]);
    expectRow(answer, 2);
    expect(answer.reason).toBe('RTX_NOT_READY');
  });

  it('3: answers "Status: Session ready event not received" 503 when waiting for it and it has not come', () => {
    const answer = readyAfter([...UP], WAIT);
    expectRow(answer, 3);
    expect(answer.reason).toBe('SESSION_READY_EVENT_NOT_RECEIVED');
  });

  it('4: answers "Status: Waiting for previous client to disconnect" 503 after an end without quit while a client is connected', () => {
    const answer = readyAfter([...UP, connect, endSession(true)], NO_QUIT);
    expectRow(answer, 4);
    expect(answer.reason).toBe('WAITING_FOR_PREVIOUS_CLIENT');
  });

  it('5: answers "Status: Streaming session ended (recycle instance)" 503 after an end with quitOnSessionEnded', () => {
    const answer = readyAfter([...UP, connect, disconnect, endSession(true)]);
    expectRow(answer, 5);
    expect(answer.reason).toBe('SESSION_ENDED');
  });

  it('6: answers "Status: Awaiting session resume (keep alive)" 200 while the resume window is open', () => {
    const answer = readyAfter([...UP, connect, disconnect, at(0), endSession(false)]);
    expectRow(answer, 6);
    expect(answer.reason).toBe('AWAITING_RESUME');
  });

  it('7: answers "Status: Streaming session active (keep alive)" 200 while a client is connected', () => {
    const answer = readyAfter([...UP, connect]);
    expectRow(answer, 7);
    expect(answer.reason).toBe('SESSION_ACTIVE');
  });

  it('8: answers "Status: Ready for connection" 200 otherwise', () => {
    const answer = readyAfter([...UP]);
    expectRow(answer, 8);
    expect(answer.reason).toBe('READY_FOR_CONNECTION');
  });
});

describe('precedence between rows', () => {
  it('app-not-ready beats everything', () => {
    const scripts: Array<[Script, MachineSettings]> = [
      [[newFrame], DEFAULTS],
      [[newFrame], WAIT],
      [[newFrame, connect], DEFAULTS],
      [[newFrame, connect, endSession(true)], NO_QUIT],
      [[newFrame, endSession(true)], DEFAULTS],
      [[newFrame, at(0), endSession(false)], DEFAULTS],
    ];
    for (const [script, settings] of scripts) expectRow(readyAfter(script, settings), 1);
  });

  it('rtx-not-ready beats session-ready-missing and everything below', () => {
    expectRow(readyAfter([appReady], WAIT), 2);
    expectRow(readyAfter([appReady, connect], DEFAULTS), 2);
    expectRow(readyAfter([appReady, connect, endSession(true)], NO_QUIT), 2);
    expectRow(readyAfter([appReady, endSession(true)], DEFAULTS), 2);
    expectRow(readyAfter([appReady, endSession(false)], DEFAULTS), 2);
  });

  it('session-ready-missing beats waiting-for-previous-client, since ending forgets the session-ready event', () => {
    expectRow(readyAfter([...UP, sessionReady, connect, endSession(true)], WAIT_NO_QUIT), 3);
  });

  it('session-ready-missing beats session-ended, since ending forgets the session-ready event', () => {
    expectRow(readyAfter([...UP, sessionReady, endSession(true)], WAIT), 3);
    expectRow(readyAfter([...UP, sessionReady, endSession(true), sessionReady], WAIT), 5);
  });

  it('session-ready-missing beats awaiting-resume and active', () => {
    expectRow(readyAfter([...UP, connect], WAIT), 3);
    expectRow(readyAfter([...UP, at(0), endSession(false)], WAIT), 3);
  });

  it('waiting-for-previous-client beats active', () => {
    const { state } = run([...UP, connect, endSession(true)], NO_QUIT);
    expect(state.clients).toBe(1);
    expectRow(readiness(state, NO_QUIT, 0), 4);
  });

  it('awaiting-resume beats active', () => {
    const answer = readyAfter([...UP, connect, at(0), endSession(false)]);
    expectRow(answer, 6);
  });

  it('session-ended stays until exit, whatever clients, credentials or events come', () => {
    const recycle = [...UP, connect, endSession(true)];
    for (const more of [[], [disconnect], [disconnect, connect], [credentials()], [sessionReady, connect, connect]]) {
      expectRow(readyAfter([...recycle, ...more]), 5);
    }
  });
});

describe('row 3', () => {
  it('holds only when waitForSessionReadyEvent is set', () => {
    expectRow(readyAfter([...UP], DEFAULTS), 8);
    expectRow(readyAfter([...UP], WAIT), 3);
  });

  it('clears when the session-ready event arrives', () => {
    expectRow(readyAfter([...UP, sessionReady], WAIT), 8);
    expectRow(readyAfter([sessionReady, ...UP], WAIT), 8);
  });

  it('holds again after a session end, until a new session-ready event', () => {
    expectRow(readyAfter([...UP, sessionReady, endSession(true)], WAIT_NO_QUIT), 3);
    expectRow(readyAfter([...UP, sessionReady, endSession(true), sessionReady], WAIT_NO_QUIT), 8);
  });

  it('never holds without waitForSessionReadyEvent, even after a session end', () => {
    expectRow(readyAfter([...UP, endSession(true)], NO_QUIT), 8);
  });
});

describe('row 4', () => {
  it('is set by an end without quit while a client is connected, and cleared by its disconnect, back to 8', () => {
    const ended = [...UP, connect, at(0), endSession(false), at(1_000), endSession(true)];
    expectRow(readyAfter(ended, NO_QUIT), 4);
    expectRow(readyAfter([...ended, disconnect], NO_QUIT), 8);
  });

  it('is set by an end through the resume window while a client is still connected', () => {
    const ended = [...UP, connect, at(0), endSession(false), at(30_000), endSession(false)];
    expectRow(readyAfter(ended, NO_QUIT), 4);
    expectRow(readyAfter([...ended, disconnect], NO_QUIT), 8);
  });

  it('is set by an end with resumeTimeoutSeconds 0 while a client is connected', () => {
    const settings = settingsWith({ quitOnSessionEnded: false, resumeTimeoutSeconds: 0 });
    expectRow(readyAfter([...UP, connect, endSession(false)], settings), 4);
  });

  it('goes back to 3, not 8, when waiting for a new session-ready event', () => {
    const ended = [...UP, sessionReady, connect, endSession(true), sessionReady];
    expectRow(readyAfter(ended, WAIT_NO_QUIT), 4);
    expectRow(readyAfter([...ended.slice(0, -1), disconnect], WAIT_NO_QUIT), 3);
  });

  it('is not set when no client is connected at the end', () => {
    expectRow(readyAfter([...UP, connect, disconnect, endSession(true)], NO_QUIT), 8);
  });

  it('is not set when quitting (row 5 instead)', () => {
    expectRow(readyAfter([...UP, connect, endSession(true)], DEFAULTS), 5);
  });

  it('lets a new client be seen as active after the previous one left', () => {
    expectRow(readyAfter([...UP, connect, endSession(true), disconnect, connect], NO_QUIT), 7);
  });
});

describe('rows 6 to 8 over a session', () => {
  it('moves 8 → 7 → 6 → 7 when a client connects, endsession opens the window, and the client resumes', () => {
    const settings = DEFAULTS;
    const seen = [
      readyAfter([...UP], settings),
      readyAfter([...UP, connect], settings),
      readyAfter([...UP, connect, disconnect, endSession(false)], settings),
      readyAfter([...UP, connect, disconnect, endSession(false), connect], settings),
    ].map(rowOf);
    expect(seen).toEqual([8, 7, 6, 7]);
  });

  it('stays 8 after a client disconnects without endsession', () => {
    expectRow(readyAfter([...UP, connect, disconnect]), 8);
  });

  it('answers 8 again after an end without quit and no client', () => {
    expectRow(readyAfter([...UP, connect, disconnect, endSession(false), endSession(true)], NO_QUIT), 8);
  });

  it('never resets app-ready or first-frame: no 1 or 2 after a session end', () => {
    const answer = readyAfter([...UP, connect, endSession(true), disconnect, credentials(), connect, endSession(true)], NO_QUIT);
    expect(rowOf(answer)).not.toBe(1);
    expect(rowOf(answer)).not.toBe(2);
  });
});

describe('resumeSecondsLeft', () => {
  const opened = [...UP, connect, disconnect, at(10_000), endSession(false)];

  it('counts down with the clock in whole seconds, rounded up', () => {
    const { state } = run(opened);
    const left = (now: number) => secondsLeft(readiness(state, DEFAULTS, now));
    expect(left(10_000)).toBe(30);
    expect(left(10_001)).toBe(30);
    expect(left(10_999)).toBe(30);
    expect(left(11_000)).toBe(29);
    expect(left(25_500)).toBe(15);
    expect(left(39_000)).toBe(1);
    expect(left(39_999)).toBe(1);
    expect(left(40_000)).toBe(0);
  });

  it('never goes below 0 once the window has passed', () => {
    const { state } = run(opened);
    expect(secondsLeft(readiness(state, DEFAULTS, 40_001))).toBe(0);
    expect(secondsLeft(readiness(state, DEFAULTS, 1_000_000))).toBe(0);
    expectRow(readiness(state, DEFAULTS, 1_000_000), 6);
  });

  it('follows the configured resumeTimeoutSeconds', () => {
    const settings = settingsWith({ resumeTimeoutSeconds: 300 });
    const { state } = run([...UP, at(0), endSession(false)], settings);
    expect(secondsLeft(readiness(state, settings, 0))).toBe(300);
    expect(secondsLeft(readiness(state, settings, 299_500))).toBe(1);
  });

  it('is absent when not awaiting resume', () => {
    for (const script of [[], [appReady], [...UP], [...UP, connect], [...UP, endSession(true)], [...UP, endSession(false), connect]]) {
      expect(readyAfter(script, DEFAULTS, 5_000)).not.toHaveProperty('resumeSecondsLeft');
    }
    expect(readyAfter([...UP, connect, endSession(true)], NO_QUIT)).not.toHaveProperty('resumeSecondsLeft');
  });

  it('is carried beside the exact statusMessage while awaiting resume', () => {
    const { state } = run(opened);
    expect(readiness(state, DEFAULTS, 12_000)).toEqual({
      httpStatus: 200,
      reason: 'AWAITING_RESUME',
      statusMessage: 'Status: Awaiting session resume (keep alive)',
      resumeSecondsLeft: 28,
    });
  });
});

describe('after the supervised application exited by itself', () => {
  it.each([
    ['before app-ready', []],
    ['before the first frame', [appReady]],
    ['while waiting for the session-ready event', [...UP]],
    ['while a client streams', [...UP, connect]],
    ['while awaiting resume', [...UP, connect, endSession(false)]],
  ] as Array<[string, Script]>)('answers row 5, "recycle instance", %s', (_, script) => {
    const answer = readyAfter([...script, appExited], WAIT);
    expectRow(answer, 5);
    expect(answer).toEqual({ httpStatus: 503, statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SESSION_ENDED' });
  });

  it('answers row 5 in place of row 3 when it exits after a quitting end', () => {
    expectRow(readyAfter([...UP, sessionReady, endSession(true)], WAIT), 3);
    expect(readyAfter([...UP, sessionReady, endSession(true), appExited], WAIT).reason).toBe('SESSION_ENDED');
  });
});

describe('while the service stops', () => {
  it.each([
    ['after the application exited', [...UP, appExited, shutdown()]],
    ['when the application exits after', [...UP, shutdown(), appExited]],
    ['before the application is ready', [shutdown()]],
  ] as Array<[string, Script]>)('answers SHUTTING_DOWN with row 5\'s message, %s', (_, script) => {
    expect(readyAfter(script, WAIT)).toEqual({ httpStatus: 503, statusMessage: ROW[5].statusMessage, reason: 'SHUTTING_DOWN' });
  });
});
