import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/check/http.js';
import { classifyReadiness, WAITS_FOR } from '../../src/check/readiness-states.js';
import { READINESS_TABLE } from '../../src/core/readiness.js';

const answer = (httpStatus: number | null, body: unknown): Answer => ({ httpStatus, body, text: JSON.stringify(body) ?? '', ms: 1, ...(httpStatus === null ? { error: 'no answer (ECONNREFUSED)' } : {}) });

describe('reading a readiness answer against Kit', () => {
  // The eight Kit rows (SHUTTING_DOWN is ours, with SESSION_ENDED's text: a Kit target means SESSION_ENDED).
  it.each(READINESS_TABLE.filter((r) => r.reason !== 'SHUTTING_DOWN').map((r) => [r.statusMessage, r.httpStatus, r.reason] as const))('knows %j with %i', (statusMessage, httpStatus, reason) => {
    expect(classifyReadiness(answer(httpStatus, { statusMessage }))).toMatchObject({ statusMessage, reason, known: true, unknownMessage: false });
  });

  it('says what each not-ready state waits for', () => {
    expect(classifyReadiness(answer(503, { statusMessage: 'Status: App not ready' })).waitsFor).toBe(WAITS_FOR.APP_NOT_READY);
    expect(classifyReadiness(answer(503, { statusMessage: 'Status: Session ready event not received' })).waitsFor).toContain('omni.services.livestream.session.ready');
    expect(classifyReadiness(answer(200, { statusMessage: 'Status: Ready for connection' })).waitsFor).toBeUndefined();
  });

  it('does not know a Kit message that comes with the other status code, though the message is one of the eight', () => {
    expect(classifyReadiness(answer(200, { statusMessage: 'Status: Rtx not ready' }))).toMatchObject({ known: false, unknownMessage: false });
  });

  it('flags a message that is none of the eight, and a body without one', () => {
    expect(classifyReadiness(answer(200, { statusMessage: 'Status: Ready' }))).toMatchObject({ statusMessage: 'Status: Ready', known: false, unknownMessage: true });
    expect(classifyReadiness(answer(200, 'OK'))).toMatchObject({ known: false, unknownMessage: true, statusMessage: 'no statusMessage in "\\"OK\\""' });
  });

  it("names the row whose message omni.services.livestream.nvcf 7.x said otherwise", () => {
    expect(classifyReadiness(answer(503, { statusMessage: 'Status: Custom ready event not received' }))).toMatchObject({
      known: false,
      unknownMessage: true,
      predecessorOf: 'SESSION_READY_EVENT_NOT_RECEIVED',
    });
  });

  it('takes no answer as neither known nor a wrong message', () => {
    expect(classifyReadiness(answer(null, undefined))).toEqual({ statusMessage: 'no answer (ECONNREFUSED)', known: false, unknownMessage: false });
  });
});
