// Dredd hooks: put the running service into the state each transaction needs, through the
// public and local event endpoints only (no back door), and make the 4xx requests bad.
const hooks = require('hooks');
const skips = require('./dredd-skips.cjs');

const READY = '/v1/streaming/ready > Whether the application is ready for streaming';
const CREDS = '/v1/streaming/creds > Set the STUN and optional TURN credentials for WebRTC streaming';
const END = '/v1/streaming/endsession > End the streaming session, or wait for it to resume';
const EVENTS = '/v1/streaming/events > Report an event of the streaming application';
const OVERSIZE = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });

const baseUrl = (t) => `${t.protocol}//${t.host}:${t.port}`;

async function post(t, path, body) {
  const res = await fetch(baseUrl(t) + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`setting state: POST ${path} answered ${res.status}`);
}
const event = (t, name) => post(t, '/v1/streaming/events', { event: name });

/** Runs an async state change before a transaction; failures fail the transaction. */
function before(name, fn) {
  hooks.before(name, (t, done) => {
    t.skip = false;
    fn(t).then(() => done(), (error) => {
      t.fail = `could not set up the state: ${error.message}`;
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
  done();
});

// Dredd compares media types exactly; the service adds the charset.
hooks.beforeEachValidation((t, done) => {
  const type = t.real.headers['content-type'];
  if (type) t.real.headers['content-type'] = type.replace(/;\s*charset=utf-8$/i, '');
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

badBody(`${END} > 400 > application/json`, JSON.stringify({ gracefulShutdown: 'yes' }));
tooLarge(`${END} > 413 > application/json`);
badType(`${END} > 415 > application/json`);

badBody(`${EVENTS} > 400 > application/json`, JSON.stringify({ event: 'omni.kit.app.NOT_AN_EVENT' }));
tooLarge(`${EVENTS} > 413 > application/json`);
badType(`${EVENTS} > 415 > application/json`);
