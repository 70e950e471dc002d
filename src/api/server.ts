// The local HTTP server (`lakehouse serve`, `lakehouse run`): Fastify in front of the same IngestApi the Lambda
// handler uses. Fastify only moves bytes; parsing, validation and status codes are the API's. What Fastify owns
// is the connection: it drops a client that sends its request too slowly, so slow bodies cannot hold sockets and
// buffers open (API Gateway does the same in front of the Lambda).
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './limits.ts';
import { renderResponse, type IngestApi } from './service.ts';

export interface ServerTimeouts {
  /** The whole request (headers and body) must arrive within this; else 408 and the connection is closed (0: off). */
  readonly requestMs?: number;
  /** The headers must arrive within this (at most requestMs). */
  readonly headersMs?: number;
  /** A connection with no traffic for this long is closed. */
  readonly idleMs?: number;
}

export function createServer(api: IngestApi, options: { timeouts?: ServerTimeouts } = {}): FastifyInstance {
  const requestMs = options.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersLimit = options.timeouts?.headersMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  // 0 turns a timeout off (Node's meaning); the headers' limit may not exceed the whole request's.
  const headersMs = requestMs > 0 ? Math.min(headersLimit, requestMs) : headersLimit;
  const app = Fastify({
    logger: false,
    // A URL Fastify's router cannot decode goes to the API as it is, which answers as it would in Lambda.
    frameworkErrors: (error, request, reply) => {
      const to = reply as FastifyReply;
      if (error.code !== 'FST_ERR_BAD_URL') {
        void to.code(error.statusCode ?? 400).send({ error: error.message });
        return;
      }
      void answer(request as FastifyRequest, to).then(
        (body) => to.send(body),
        (failure: unknown) => to.code(500).send({ error: (failure as Error).message }),
      );
    },
    // Fastify stops reading a body at the API's limit (or refuses it by its Content-Length) and answers as the API.
    bodyLimit: api.maxBodyBytes,
    requestTimeout: requestMs,
    connectionTimeout: options.timeouts?.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    http: {
      requestTimeout: requestMs,
      headersTimeout: headersMs,
      // Node checks the two timeouts above on this interval (30 s by default), so it bounds how late they fire.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersMs / 4))),
    },
  });
  /** The API's answer to a request as Fastify received it. */
  const answer = async (request: FastifyRequest, reply: FastifyReply): Promise<string> => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers))
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    const response = renderResponse(
      await api.handle({
        method: request.method,
        path: request.url.split('?')[0] ?? '/',
        headers,
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      }),
    );
    void reply.code(response.status).headers(response.headers);
    return response.body;
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.all('/*', answer);
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    const response =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? renderResponse(api.bodyTooLarge())
        : renderResponse({ status: err.statusCode ?? 500, body: { error: err.message } });
    void reply.code(response.status).headers(response.headers).send(response.body);
  });
  return app;
}
