# livestream-session: the service alone, or as the base of a streaming application's image
# (supervisor mode: ENTRYPOINT ["tini", "--", "livestream-session", "--", "<app command>"]).
# Build: docker build -t livestream-session .   Run: docker run -p 8011:8011 livestream-session --simulate

# 1. Compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY generated generated
COPY src src
RUN npm run build

# 2. Production dependencies only (no install scripts: none is needed at run time).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev

# 3. The runtime: compiled JavaScript, the spec beside it, a non-root user. tini is PID 1:
# it reaps whatever the application leaves behind. (setpriv, which the supervisor starts the
# application through so that it dies with the service, is in util-linux, already there.)
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json openapi.yaml ./
RUN ln -s /app/dist/src/main.js /usr/local/bin/livestream-session
USER node
EXPOSE 8011
# The start-up probe: answers 200 as soon as the service listens, whatever the app does.
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8011/v1/streaming/startup').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: SIGTERM from the orchestrator reaches tini, which passes it to the service (and
# the service, in supervisor mode, to the app).
ENTRYPOINT ["tini", "--", "node", "/app/dist/src/main.js"]
