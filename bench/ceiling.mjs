// The ceiling: a bare node:http server answering the probes with the bytes the service
// answers when ready for connection. Whatever the service does beyond this is its cost.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';
const READY = JSON.stringify({ statusMessage: 'Status: Ready for connection', reason: 'READY_FOR_CONNECTION' });
const STARTUP = JSON.stringify({ statusMessage: 'Status: Startup endpoint OK' });

function answer(res, body) {
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

createServer((req, res) => {
  if (req.url === '/v1/streaming/ready') return answer(res, READY);
  if (req.url === '/v1/streaming/startup') return answer(res, STARTUP);
  res.writeHead(404).end();
}).listen(port, host);
