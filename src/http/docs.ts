import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { LoadedSpec } from './spec.js';

/** The docs page and the spec beside it, outside the validated paths. */
export function docsRouter(spec: LoadedSpec): Router {
  const router = Router();
  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(spec.text);
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(spec.document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(spec.document, { customSiteTitle: 'livestream-session API' }));
  return router;
}
