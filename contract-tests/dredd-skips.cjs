// The only transactions Dredd may skip, each with why, and where vitest covers it instead.
// contract-tests/run-dredd.mjs fails on any other skip, or on a name here that matches nothing.
module.exports = {
  '/v1/streaming/events > Stream dispatched events and readiness changes (Server-Sent Events) > 200 > text/event-stream':
    'an endless Server-Sent Events stream: Dredd waits for the body to end (covered by test/http/events.test.ts and the e2e suites)',
  '/v1/streaming/events > Stream dispatched events and readiness changes (Server-Sent Events) > 403 > application/json':
    'only a caller without a loopback address gets 403, and Dredd calls from loopback (covered by test/http/events.test.ts)',
  '/v1/streaming/events > Report an event of the streaming application > 403 > application/json':
    'only a caller without a loopback address gets 403, and Dredd calls from loopback (covered by test/http/events.test.ts)',
  '/v1/streaming/events > Report an event of the streaming application > 409 > application/json':
    'needs 10,000 clients with an id connected first: 20,000 requests to set up and undo, most of a minute here (covered by test/http/events.test.ts, which connects them in process and checks the answer against the spec)',
  // Dredd 14's HTTP client (request) refuses any HEAD request, since Dredd always gives it a body.
  '/v1/streaming/ready > Readiness, as GET answers it, without the body > 200':
    "Dredd 14 cannot send HEAD (covered by test/http/probes.test.ts, against GET's own answer)",
  '/v1/streaming/ready > Readiness, as GET answers it, without the body > 503':
    "Dredd 14 cannot send HEAD (covered by test/http/probes.test.ts, against GET's own answer)",
  '/v1/streaming/startup > Start-up probe, as GET answers it, without the body > 200':
    "Dredd 14 cannot send HEAD (covered by test/http/probes.test.ts, against GET's own answer)",
};
