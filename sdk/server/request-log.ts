/**
 * The server's log: one JSON line per request on stdout, written when the connection is done with the
 * request (for a create, after its last progress line, or when the client left): time, client address, token name, method, route
 * pattern (not the raw URL), status, duration and result. Never a token: the auth hook keeps only
 * its name, and no header is logged. Server events (start, sweep, stop) are lines of the same kind.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request came to, for its log line: `vm NAME created`, an error code, `aborted: …`. */
    outcome: string | null;
  }
}

/** Writes one log record; the server's default writes a JSON line to stdout. */
export type LogSink = (record: Record<string, unknown>) => void;

export const stdoutLog: LogSink = (record) => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};

/** Logs every request once its connection is done with it: answered, refused, or left by the client mid-way. */
export function addRequestLog(app: FastifyInstance, log: LogSink): void {
  app.decorateRequest('outcome', null);
  app.addHook('onRequest', async (request, reply) => {
    const started = performance.now();
    // 'close' comes in every case, 'finish' (fastify's onResponse) only for a complete answer.
    reply.raw.once('close', () => {
      const complete = reply.raw.writableFinished;
      log({
        time: new Date().toISOString(),
        client: request.ip,
        token: request.tokenName,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.raw.headersSent ? reply.statusCode : null,
        durationMs: Math.round(performance.now() - started),
        result: request.outcome ?? (!complete ? 'aborted: the client went away' : reply.statusCode < 400 ? 'ok' : 'refused'),
      });
    });
  });
}
