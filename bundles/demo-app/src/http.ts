import type { IncomingMessage, ServerResponse } from 'node:http';
import { readiness, type Check } from './health.js';
import type { Registry } from './metrics.js';

export interface AppDeps {
  metrics: Registry;
  /** Readiness checks by dependency name (postgres, redis). */
  checks: Record<string, Check>;
  /** Reads the demo patients. */
  listPatients: () => Promise<Record<string, unknown>[]>;
  /** Counts a view in Redis; returns the new total (or null when Redis is down). */
  countView: () => Promise<number | null>;
  /** Static files by URL path ("/" included): content and type. */
  staticFiles: Map<string, { body: Buffer; type: string }>;
  version: string;
  log?: (line: string) => void;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Route label for metrics: fixed strings only, so a scan of random URLs cannot explode the series count. */
export function routeOf(method: string, path: string, staticPaths: ReadonlySet<string>): string {
  if (path === '/health' || path === '/health/ready' || path === '/metrics' || path === '/api/patients' || path === '/api/info') return path;
  if (staticPaths.has(path)) return 'static';
  return 'other';
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value) + '\n', 'application/json; charset=utf-8');

/** The HTTP handler: health, readiness, metrics, the patients API and the static page. */
export function createHandler(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const staticPaths = new Set(deps.staticFiles.keys());
  const started = Date.now() / 1000;
  deps.metrics.set('demo_up', 'Whether the demo app is running (always 1 when scraped).', 1);
  deps.metrics.set('demo_process_start_time_seconds', 'Start time of the process since the epoch, in seconds.', started);
  deps.metrics.set('demo_build_info', 'Build information.', 1, { version: deps.version });

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return json(res, 405, { error: 'method not allowed' });
    }
    switch (path) {
      case '/health':
        return json(res, 200, { status: 'ok' });
      case '/health/ready': {
        const r = await readiness(deps.checks);
        for (const [name, c] of Object.entries(r.checks)) {
          deps.metrics.set('demo_dependency_up', 'Whether the last readiness check of a dependency passed.', c.status === 'ok' ? 1 : 0, { dependency: name });
        }
        return json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks });
      }
      case '/metrics':
        deps.metrics.set('demo_heap_used_bytes', 'V8 heap in use, in bytes.', process.memoryUsage().heapUsed);
        return send(res, 200, deps.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
      case '/api/info':
        return json(res, 200, { name: 'airgap-demo-app', version: deps.version });
      case '/api/patients': {
        const patients = await deps.listPatients();
        const views = await deps.countView().catch(() => null);
        return json(res, 200, { patients, views });
      }
      default: {
        const file = deps.staticFiles.get(path);
        if (file) return send(res, 200, file.body, file.type);
        return json(res, 404, { error: 'not found' });
      }
    }
  }

  return (req, res) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = '/';
    }
    const labels = { method: req.method === 'HEAD' ? 'HEAD' : req.method === 'GET' ? 'GET' : 'other', route: routeOf(req.method ?? '', path, staticPaths) };
    res.on('finish', () => {
      deps.metrics.inc('demo_http_requests_total', 'HTTP requests by method, route and status code.', { ...labels, status: String(res.statusCode) });
    });
    route(req, res, path).catch((e: unknown) => {
      deps.log?.(`error on ${labels.route}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
}
