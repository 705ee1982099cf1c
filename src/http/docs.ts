import { Router, type RequestHandler } from 'express';
import { methodNotAllowed, notFound } from './errors.js';
import type { LoadedSpec } from './spec.js';

/** The docs page and the spec beside it, outside the validated paths. */
export function docsRouter(spec: LoadedSpec): Router {
  const router = Router();
  // They are pages and files to read: any other method gets the shared 405.
  router.use(['/openapi.yaml', '/openapi.json', '/docs'], (req, _res, next) => {
    next(req.method === 'GET' || req.method === 'HEAD' ? undefined : methodNotAllowed(req.method, ['GET', 'HEAD']));
  });
  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(spec.text);
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(spec.document);
  });
  // Swagger UI answers any path ending in /package.json with a plain-text 404: ours is JSON, as every error.
  router.use('/docs', (req, _res, next) => next(req.path.endsWith('/package.json') ? notFound() : undefined));
  router.use('/docs', swaggerUiOnFirstUse(spec));
  return router;
}

/** Swagger UI and its assets load when the docs page is first asked for, not at start-up. */
function swaggerUiOnFirstUse(spec: LoadedSpec): RequestHandler {
  let page: Promise<Router> | undefined;
  return (req, res, next) => {
    page ??= import('swagger-ui-express').then(({ default: swaggerUi }) =>
      Router().use(swaggerUi.serve, swaggerUi.setup(spec.document, { customSiteTitle: 'livestream-session API' })),
    );
    page.then((ui) => ui(req, res, next), next);
  };
}
