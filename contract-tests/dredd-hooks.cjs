// Dredd hooks: put the running service into the state each transaction needs, through the
// public and local event endpoints only (no back door), and make the 4xx requests bad.
const hooks = require('hooks');
const skips = require('./dredd-skips.cjs');
const { ACCESS_TOKEN } = require('./dredd-token.cjs');

const READY = '/v1/streaming/ready > Whether the application is ready for streaming';
const CREDS = '/v1/streaming/creds > Set the STUN and optional TURN credentials for WebRTC streaming';
const END = '/v1/streaming/endsession > End the streaming session, or wait for it to resume';
const EVENTS = '/v1/streaming/events > Report an event of the streaming application';
const STREAM = '/v1/streaming/events > Stream dispatched events and readiness changes (Server-Sent Events)';
const METRICS = '/metrics > Prometheus metrics > 200 > text/plain';
const AUTH = { authorization: `Bearer ${ACCESS_TOKEN}` };
// The operations that need the token: every transaction on them carries it, except the 401s.
const GUARDED = [CREDS, END, EVENTS, STREAM];
const OVERSIZE = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });

const baseUrl = (t) => `${t.protocol}//${t.host}:${t.port}`;

async function post(t, path, body) {
  const res = await fetch(baseUrl(t) + path, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`setting state: POST ${path} answered ${res.status}`);
}
const event = (t, name) => post(t, '/v1/streaming/events', { event: name });

/** Runs an async state change before a transaction; failures fail the transaction. */
function before(name, fn) {
  hooks.before(name, (t, done) => {
    t.skip = false;
    fn(t).then(() => done(), (error) => {
      t.fail = `could not set up the state: ${error.message} ${error.cause?.code ?? ""} at ${baseUrl(t)}`;
      done();
    });
  });
}

const badBody = (name, body) => before(name, async (t) => { t.request.body = body; });
const badType = (name) => before(name, async (t) => { t.request.headers['Content-Type'] = 'text/plain'; });
const tooLarge = (name) => before(name, async (t) => { t.request.body = OVERSIZE; });

hooks.beforeEach((t, done) => {
  if (skips[t.name]) {
    t.skip = true;
    hooks.log(`skipped on purpose: ${t.name}: ${skips[t.name]}`);
  } else {
    // Dredd starts non-2xx transactions skipped; every one not named above must run.
    t.skip = false;
  }
  if (GUARDED.some((op) => t.name.startsWith(`${op} > `)) && !t.name.includes(' > 401 > ')) {
    t.request.headers.Authorization = AUTH.authorization;
  }
  done();
});

// Dredd compares media types exactly; the service adds the charset.
// Dredd compares media types exactly: the service adds parameters (charset, the
// Prometheus format version), so compare the bare type.
hooks.beforeEachValidation((t, done) => {
  const type = t.real.headers['content-type'];
  if (type) t.real.headers['content-type'] = type.split(';')[0].trim();
  done();
});

// Dredd compares a text/plain body with the example byte for byte, and metric values vary:
// check the exposition format and the product's metrics here, then let the example stand.
hooks.beforeValidation(METRICS, (t, done) => {
  const body = t.real.body ?? '';
  const missing = ['livestream_session_ready', 'livestream_session_readiness{reason=', 'livestream_session_http_requests_total{']
    .filter((name) => !body.includes(name));
  if (missing.length > 0) t.fail = `metrics lack ${missing.join(', ')}`;
  else if (!body.split('\n').every((line) => line === '' || line.startsWith('#') || /^[a-zA-Z_:][\w:]*(\{.*\})? \S+$/.test(line))) t.fail = 'not the Prometheus text format';
  else t.expected.body = body;
  done();
});

// Readiness: 200 once the app is ready and rendering.
before(`${READY} > 200 > application/json`, async (t) => {
  await event(t, 'omni.kit.app.GLOBAL_EVENT_APP_READY');
  await event(t, 'omni.usd.StageRenderingEventType.NEW_FRAME');
});
// 503: a session ended (no quit) while its client is still connected...
before(`${READY} > 503 > application/json`, async (t) => {
  await event(t, 'omni.kit.livestream.client_connected:immediate');
  await post(t, '/v1/streaming/endsession', { sessionId: 'dredd', gracefulShutdown: true });
});
// ...and ready again once it disconnects.
hooks.after(`${READY} > 503 > application/json`, (t, done) => {
  event(t, 'omni.kit.livestream.client_disconnected:immediate').then(() => done(), (e) => { t.fail = e.message; done(); });
});

badBody(`${CREDS} > 400 > application/json`, JSON.stringify({ stunIp: 'stun.example.com', stunPort: 'not-a-port', username: 'u', password: 'p' }));
tooLarge(`${CREDS} > 413 > application/json`);
badType(`${CREDS} > 415 > application/json`);

badBody(`${END} > 400 > application/json`, JSON.stringify({ gracefulShutdown: 'maybe' }));
tooLarge(`${END} > 413 > application/json`);
badType(`${END} > 415 > application/json`);

// 401: the guarded operations without the token (the beforeEach hook leaves it off).
for (const op of [CREDS, END, EVENTS, STREAM]) before(`${op} > 401 > application/json`, async () => {});

// 429: one stream is open already (the service allows one), so the next one is refused.
let openStream;
before(`${STREAM} > 429 > application/json`, async (t) => {
  openStream = new AbortController();
  const res = await fetch(`${baseUrl(t)}/v1/streaming/events`, { headers: AUTH, signal: openStream.signal });
  if (res.status !== 200) throw new Error(`opening a stream answered ${res.status}`);
});
hooks.after(`${STREAM} > 429 > application/json`, (t, done) => {
  openStream?.abort();
  done();
});

badBody(`${EVENTS} > 400 > application/json`, JSON.stringify({ event: 'omni.kit.app.NOT_AN_EVENT' }));
tooLarge(`${EVENTS} > 413 > application/json`);
badType(`${EVENTS} > 415 > application/json`);
