# livestream-session: the service alone, or as the base of a streaming application's image
# (supervisor mode: ENTRYPOINT ["tini", "--", "livestream-session", "--", "<app command>"];
# examples/webrtc-app/Dockerfile is one).
# Build: docker build -t livestream-session .
# Run:   docker run --stop-timeout 30 -p 8011:8011 livestream-session --simulate
# (a stop timeout above appStopGraceSeconds, 10 s: the default 10 s would SIGKILL the
# container while the service still waits for the app to stop.)
#
# Node: an LTS line with security fixes. NODE_MAJOR pins the major; the image is tested on it.
# 26 is the active LTS, with fixes until 2029-04-30 (24's end on 2028-04-30); the image builds,
# runs and passes the same tests on both, and 26 costs 24 MB more.
ARG NODE_MAJOR=26

# 1. Compile TypeScript with the dev dependencies.
FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY generated generated
COPY src src
RUN npm run build

# 2. Production dependencies only (no install scripts: none is needed at run time).
FROM node:${NODE_MAJOR}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev

# 3. The runtime: compiled JavaScript, the spec beside it, a numeric non-root user (so that
# Kubernetes can check runAsNonRoot). tini is PID 1: it reaps whatever the application leaves
# behind. (setpriv, which the supervisor starts the application through so that it dies with
# the service, is in util-linux, already there.) Nothing is written at run time: the root
# filesystem can be read-only.
FROM node:${NODE_MAJOR}-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json openapi.yaml ./
RUN ln -s /app/dist/src/main.js /usr/local/bin/livestream-session
# Node's module compile cache, made here, read at every start (the root filesystem may be
# read-only then: Node reads the cache and skips writing it). Node keeps one cache per user
# id, so it is made as the user the image runs as, 1000: the service is started once, serves
# a probe and a credentials request (which loads the HTTP layer) and is stopped.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN mkdir /app/.node-compile-cache && chown 1000:1000 /app/.node-compile-cache \
  && setpriv --reuid=1000 --regid=1000 --clear-groups node -e " \
  const { spawn } = require('node:child_process'); \
  const service = spawn('livestream-session', ['--simulate'], { stdio: 'ignore' }); \
  const url = 'http://127.0.0.1:8011/v1/streaming/'; \
  const creds = () => fetch(url + 'creds', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stunIp: '127.0.0.1', stunPort: 3478, username: 'u', password: 'p' }) }); \
  const poll = () => fetch(url + 'ready').then((r) => r.status === 200 ? creds().then(() => service.kill('SIGTERM')) : setTimeout(poll, 100), () => setTimeout(poll, 100)); \
  poll(); service.on('exit', (code) => process.exit(code)); \
  setTimeout(() => { service.kill('SIGKILL'); process.exit(1); }, 60000).unref();" \
  && test -n "$(ls -A /app/.node-compile-cache/*-1000)" \
  && chown -R root:root /app/.node-compile-cache && chmod -R a+rX,go-w /app/.node-compile-cache
USER 1000:1000
EXPOSE 8011
# The start-up probe: answers 200 as soon as the service listens, whatever the app does.
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8011/v1/streaming/startup').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: SIGTERM from the orchestrator reaches tini, which passes it to the service (and
# the service, in supervisor mode, to the app).
ENTRYPOINT ["tini", "--", "livestream-session"]
