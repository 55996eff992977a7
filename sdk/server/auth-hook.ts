/**
 * Token authentication, in fastify's onRequest hook: it runs once the headers are parsed and
 * before any byte of the body is read. A request without a valid token gets 401 with
 * `Connection: close`, so Node closes the connection after the answer instead of reading
 * (draining) the body to reuse it: an unauthenticated upload costs the server its headers only.
 * The token is read from `Authorization: Bearer …` only (never a query string, which ends up in
 * logs) and is never logged or echoed; the request carries the token's name from here on.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TokenStore } from './token-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the token the request was authenticated with; null on open routes and refused requests. */
    tokenName: string | null;
  }
}

/** Routes anyone may call: health and the API's description hold nothing a token protects. */
const OPEN_ROUTES = new Set(['/v1/health', '/v1/openapi.json']);

/** Refuses a request before its body is read: the status and error, and the connection closed after the answer. */
export function refuseEarly(reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers({ connection: 'close', ...headers }).send({ error: { code, message } });
}

export function addTokenAuth(app: FastifyInstance, tokens: TokenStore): void {
  app.decorateRequest('tokenName', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined && OPEN_ROUTES.has(request.routeOptions.url)) return;
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(request.headers.authorization ?? '');
    const name = match ? await tokens.verify(match[1]!) : undefined;
    if (name === undefined) {
      const problem = match ? 'the token is not valid (unknown or revoked)' : 'no token: send Authorization: Bearer <token> (cloudlet token create NAME on the server makes one)';
      return refuseEarly(reply, 401, 'server-unauthorized', problem, { 'www-authenticate': 'Bearer realm="cloudlet"' });
    }
    request.tokenName = name;
  });
}
