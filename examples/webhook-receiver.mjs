#!/usr/bin/env node
// A webhook receiver for livestream-session: verifies each request with the Standard Webhooks
// library, drops repeats (delivery is at least once), and prints each session event as one
// JSON line. Run it with the service's signing secret:
//
//   WEBHOOK_SECRET=whsec_... PORT=9000 node examples/webhook-receiver.mjs
//
// and start the service with webhookUrl=http://<this host>:9000/ and the same secret.
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? '');
const seen = new Set(); // webhook-id of each event taken; a real portal keeps these in its database

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      // Checks the signature and that webhook-timestamp is within 5 minutes, then parses the body.
      event = webhook.verify(body, req.headers);
    } catch (error) {
      console.error(`refused a request: ${error.message}`);
      res.writeHead(401).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      // A CloudEvent: id, source (the instance), type, time, and data.
      console.log(JSON.stringify({ type: event.type, source: event.source, time: event.time, data: event.data }));
    }
    // Any 2xx tells the service this event arrived; anything else (or no answer) and it tries again.
    res.writeHead(204).end();
  });
});

server.listen(Number(process.env.PORT ?? 9000), () => console.error(`listening on port ${server.address().port}`));
process.on('SIGTERM', () => server.close());
