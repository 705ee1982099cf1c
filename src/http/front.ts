import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { AppDependencies } from '../app.js';
import type { CredentialsFastPath } from './fast-creds.js';
import { accessCheck } from './access.js';
import { Probes } from './probes.js';

export type FrontDependencies = Omit<AppDependencies, 'spec'>;

export interface Front {
  /** The request listener: probes first, then credentials the spec accepts, then Express. */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** The Express app alone; loads it if no request has yet. */
  app(): Promise<Express>;
}

/**
 * What answers the service's requests. Express, the validator and the spec load when a
 * request first needs them, not at start-up: the probes answer without them, and most of
 * the start-up time was theirs. Requests that come while they load wait for them.
 */
export function createFront(deps: FrontDependencies): Front {
  const probes = new Probes(deps.session);
  let loaded: Express | undefined;
  let credentials: CredentialsFastPath | undefined;
  let loading: Promise<Express> | undefined;

  function app(): Promise<Express> {
    loading ??= Promise.all([import('../app.js'), import('./spec.js'), import('./fast-creds.js')]).then(
      ([{ createApp, BODY_LIMIT_BYTES }, { loadSpec }, { CredentialsFastPath }]) => {
        const spec = loadSpec();
        const express = createApp({ ...deps, spec });
        credentials = CredentialsFastPath.create({
          spec: spec.document,
          session: deps.session,
          inflight: deps.inflight,
          bodyLimit: BODY_LIMIT_BYTES,
          hasAccess: accessCheck(deps.settings.accessToken),
          outcomes: deps.outcomes,
        });
        return (loaded = express);
      },
    );
    return loading;
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    if (probes.handle(req, res)) {
      deps.outcomes.record('GET', req.url!, res.statusCode, started);
      return;
    }
    if (loaded) {
      if (!credentials?.handle(req, res, loaded)) loaded(req, res);
      return;
    }
    app().then(
      (express) => express(req, res),
      (err: unknown) => {
        deps.logger.error({ err, method: req.method, url: req.url }, 'request failed: the HTTP app did not load');
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' }));
      },
    );
  }

  return { handler, app };
}
