import { afterEach, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { APP_READY, NEW_FRAME, raw, SEED_CREDENTIALS, startService, stopServices, type RawRequest, type RunningService } from '../support/service.js';

afterEach(stopServices);

const CREDS = '/v1/streaming/creds';
const END = '/v1/streaming/endsession';
const EVENTS = '/v1/streaming/events';
const json = (value: unknown) => JSON.stringify(value);
const tooLarge = json({ stunIp: 'x'.repeat(BODY_LIMIT_BYTES) });

interface Case {
  name: string;
  request: RawRequest;
  status: number;
  code: string;
  /** A fragment the message must contain (the field, or what was wrong). */
  says: string;
}

const cases: Case[] = [
  ...[CREDS, END, EVENTS].flatMap((path): Case[] => [
    { name: `malformed JSON on ${path}`, request: { method: 'POST', path, body: '{"stunIp": ', contentType: 'application/json' }, status: 400, code: 'MALFORMED_JSON', says: 'not valid JSON' },
    { name: `text/plain on ${path}`, request: { method: 'POST', path, body: 'hello', contentType: 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', says: 'text/plain' },
    { name: `a form body on ${path}`, request: { method: 'POST', path, body: 'a=1', contentType: 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', says: 'application/x-www-form-urlencoded' },
    { name: `an oversize body on ${path}`, request: { method: 'POST', path, body: tooLarge, contentType: 'application/json' }, status: 413, code: 'PAYLOAD_TOO_LARGE', says: `${BODY_LIMIT_BYTES} bytes` },
    { name: `an unknown charset on ${path}`, request: { method: 'POST', path, body: '{}', contentType: 'application/json; charset=latin1' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', says: 'charset' },
    { name: `a UTF-16 charset on ${path}`, request: { method: 'POST', path, body: '{}', contentType: 'application/json; charset=utf-16' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', says: 'charset utf-16; use utf-8' },
    { name: `a JSON array on ${path}`, request: { method: 'POST', path, body: '[]', contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'must be object' },
  ]),
  { name: 'creds with no body', request: { method: 'POST', path: CREDS }, status: 400, code: 'VALIDATION_FAILED', says: 'request body is required' },
  { name: 'creds with a port that is not digits', request: { method: 'POST', path: CREDS, body: json({ ...SEED_CREDENTIALS, stunPort: '34x78' }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'stunPort must be integer, or must be a string' },
  { name: 'creds with port 0', request: { method: 'POST', path: CREDS, body: json({ ...SEED_CREDENTIALS, stunPort: 0 }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'stunPort must be >= 1' },
  { name: 'creds with port 65536', request: { method: 'POST', path: CREDS, body: json({ ...SEED_CREDENTIALS, privateSharedPort: 65536 }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'privateSharedPort must be <= 65535' },
  { name: 'creds with TURN URIs and no TURN password', request: { method: 'POST', path: CREDS, body: json({ stunIp: 'a', stunPort: 1, turnDetails: { username: 'u', uris: ['turn:a:3478'] } }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'turnDetails.password is needed' },
  { name: 'creds with an unknown transport policy', request: { method: 'POST', path: CREDS, body: json({ ...SEED_CREDENTIALS, turnDetails: { ...SEED_CREDENTIALS.turnDetails, transportPolicy: 'SOMETIMES' } }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'turnDetails.transportPolicy must be equal to one of the allowed values: ALL, RELAY, DIRECT' },
  { name: 'creds with TURN uris not a list', request: { method: 'POST', path: CREDS, body: json({ ...SEED_CREDENTIALS, turnDetails: { ...SEED_CREDENTIALS.turnDetails, uris: 'turn:x' } }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'turnDetails.uris must be array' },
  { name: 'endsession with a gracefulShutdown no boolean spelling', request: { method: 'POST', path: END, body: json({ gracefulShutdown: 'maybe' }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'gracefulShutdown must be boolean' },
  { name: 'endsession with a numeric sessionId', request: { method: 'POST', path: END, body: json({ sessionId: 7 }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'sessionId must be string' },
  { name: 'an unknown event name', request: { method: 'POST', path: EVENTS, body: json({ event: 'omni.kit.app.UNKNOWN' }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'omni.kit.livestream.client_disconnected:immediate' },
  { name: 'an event without a name', request: { method: 'POST', path: EVENTS, body: json({ payload: {} }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'event is required' },
  { name: 'an event payload that is not an object', request: { method: 'POST', path: EVENTS, body: json({ event: APP_READY, payload: 3 }), contentType: 'application/json' }, status: 400, code: 'VALIDATION_FAILED', says: 'payload must be object' },
  { name: 'an unknown path', request: { method: 'GET', path: '/v1/streaming/nope' }, status: 404, code: 'NOT_FOUND', says: 'No such endpoint' },
  { name: 'a wrong method on /ready', request: { method: 'DELETE', path: '/v1/streaming/ready' }, status: 405, code: 'METHOD_NOT_ALLOWED', says: 'DELETE' },
  { name: 'a wrong method on /creds', request: { method: 'GET', path: CREDS }, status: 405, code: 'METHOD_NOT_ALLOWED', says: 'GET' },
  { name: 'a wrong method on /endsession', request: { method: 'PUT', path: END, body: '{}', contentType: 'application/json' }, status: 405, code: 'METHOD_NOT_ALLOWED', says: 'PUT' },
];

/** Everything a bad request could disturb. */
function snapshot(running: RunningService) {
  return { state: running.service.state, readiness: running.service.readiness(), credentials: running.service.session.credentials };
}

describe('bad input gets a clear JSON error with the right 4xx code and changes nothing', () => {
  it.each(cases)('$name → $status $code', async ({ request, status, code, says }) => {
    const running = await startService({ quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const before = snapshot(running);
    const answer = await raw(running, request);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ status, code });
    expect(answer.body.message).toContain(says);
    expect(JSON.stringify(answer.body)).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack trace
    if (request.path === CREDS && status !== 404 && status !== 405) {
      expect(answer.body).toMatchObject({ success: false, errorMessage: answer.body.message });
    }
    expect(snapshot(running)).toEqual(before);
  });

  it('answers 405 with an Allow header naming the methods the path has', async () => {
    const running = await startService();
    const answer = await raw(running, { method: 'DELETE', path: EVENTS });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toMatch(/GET/);
    expect(answer.headers.get('allow')).toMatch(/POST/);
  });
});
