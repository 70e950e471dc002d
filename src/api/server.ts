// The local HTTP server (`lakehouse serve`): Fastify in front of the same IngestApi the Lambda handler uses.
// Fastify only moves bytes; parsing, validation and status codes are the API's.
import Fastify, { type FastifyInstance } from 'fastify';
import type { IngestApi } from './service.ts';

export function createServer(api: IngestApi, options: { maxBodyBytes?: number } = {}): FastifyInstance {
  // Leave room above the API's own limit so that it, not Fastify, answers 413 with its message.
  const app = Fastify({ logger: false, bodyLimit: (options.maxBodyBytes ?? 5 * 1024 * 1024) * 2 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.all('/*', async (request, reply) => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers))
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    const response = await api.handle({
      method: request.method,
      path: request.url.split('?')[0] ?? '/',
      headers,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    });
    void reply.code(response.status).headers({ 'content-type': 'application/json', ...response.headers });
    return JSON.stringify(response.body);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    void reply.code(err.statusCode ?? 500).send({ error: err.message });
  });
  return app;
}
