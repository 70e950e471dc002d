// The local HTTP server (`lakehouse serve`, `lakehouse run`): Fastify in front of the same IngestApi the Lambda
// handler uses. Fastify routes the requests of the shared route table (routes.ts) and checks their parameters
// against the same schemas, with the same Ajv options (params.ts), as the Lambda adapter; the operations, status
// codes and problem details are the API's. It also serves the OpenAPI document as an interactive page at /docs
// (Swagger UI, from the assets its package ships). What Fastify owns besides is the connection: it drops a client
// that sends its request too slowly, so slow bodies cannot hold sockets and buffers open (API Gateway does the
// same in front of the Lambda).
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { internalError, parameterProblem } from './dispatch.ts';
import { problem, renderResponse, type ApiResponse } from './http.ts';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './limits.ts';
import { PARAMETER_AJV_OPTIONS } from './params.ts';
import { API_ROUTES, createRouter, ROUTER_OPTIONS, unrouted } from './routes.ts';
import type { IngestApi } from './service.ts';

export interface ServerTimeouts {
  /** The whole request (headers and body) must arrive within this; else 408 and the connection is closed (0: off). */
  readonly requestMs?: number;
  /** The headers must arrive within this (at most requestMs). */
  readonly headersMs?: number;
  /** A connection with no traffic for this long is closed. */
  readonly idleMs?: number;
}

/** Where the interactive API documentation is served. */
export const DOCS_PREFIX = '/docs';

interface FastifyFailure {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message: string;
  readonly validation?: Parameters<typeof parameterProblem>[3];
  readonly validationContext?: string;
}

export function createServer(api: IngestApi, options: { timeouts?: ServerTimeouts } = {}): FastifyInstance {
  const requestMs = options.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersLimit = options.timeouts?.headersMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  // 0 turns a timeout off (Node's meaning); the headers' limit may not exceed the whole request's.
  const headersMs = requestMs > 0 ? Math.min(headersLimit, requestMs) : headersLimit;
  const send = (reply: FastifyReply, response: ApiResponse): FastifyReply => {
    const rendered = renderResponse(response);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  };
  const app = Fastify({
    logger: false,
    // A URL Fastify's router cannot decode is a 400 problem, as the Lambda adapter answers it.
    frameworkErrors: (error, request, reply) => {
      const path = pathOf(request);
      void send(
        reply,
        error.code === 'FST_ERR_BAD_URL'
          ? parameterProblem(path, 'params', 'the path holds a percent-escape that is not UTF-8')
          : problem(error.statusCode ?? 400, error.message, path),
      );
    },
    ajv: { customOptions: PARAMETER_AJV_OPTIONS },
    routerOptions: ROUTER_OPTIONS,
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
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const route of API_ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      schema: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.querystring ? { querystring: route.querystring } : {}),
      },
      // The key is checked before the body is read (and before the parameters, as in the Lambda adapter).
      ...(route.authenticated
        ? {
            onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
              const authorised = api.authorise(flatHeaders(request), pathOf(request));
              if (authorised !== true) return send(reply, authorised);
            },
          }
        : {}),
      handler: async (request, reply) => {
        const path = pathOf(request);
        const response = await route.run(api, {
          request: {
            method: request.method,
            path,
            headers: flatHeaders(request),
            body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          },
          params: request.params as Record<string, unknown>,
          query: request.query as Record<string, unknown>,
        });
        return send(reply, response);
      },
    });
  }

  const routeOf = createRouter(API_ROUTES);
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request);
    const match = routeOf(request.method, path);
    return send(reply, unrouted(request.method, path, 'allowed' in match ? match.allowed : []));
  });
  app.setErrorHandler((err: FastifyFailure, request, reply) => {
    const path = pathOf(request);
    if (err.validation && (err.validationContext === 'params' || err.validationContext === 'querystring'))
      return send(
        reply,
        parameterProblem(
          path,
          err.validationContext,
          'a parameter breaks its schema',
          err.validation,
          (err.validationContext === 'params' ? request.params : request.query) as Record<string, unknown>,
        ),
      );
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, api.bodyTooLarge(path));
    // Fastify's own 4xx (a malformed request) say what was wrong; anything else is the API's failure.
    const status = err.statusCode ?? 500;
    return send(reply, status < 500 ? problem(status, err.message, path) : internalError(path, err));
  });

  // The interactive documentation of the document the API serves, with the Swagger UI assets of its package.
  void app.register(fastifySwagger, { mode: 'static', specification: { document: api.openapi as never } });
  void app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
  return app;
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? '/';
}

function flatHeaders(request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  return headers;
}
