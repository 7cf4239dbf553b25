// A minimal client for the two Kubernetes API calls discovery needs: list EndpointSlices by
// label and watch them from a resourceVersion. In-cluster defaults (service-account token and
// CA, API server from KUBERNETES_SERVICE_HOST/PORT) are overridable so tests can point it at a
// local HTTP server. The token file is re-read on every call: projected tokens rotate.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { EndpointSliceList, WatchEvent } from './endpoint-slices.js';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesApiOptions {
  apiUrl?: string;
  tokenPath?: string;
  caPath?: string;
  env?: NodeJS.ProcessEnv;
}

export class KubernetesApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

export class KubernetesApi {
  readonly baseUrl: string;
  private readonly tokenPath: string;
  private readonly dispatcher: Agent;

  constructor(opts: KubernetesApiOptions = {}) {
    const env = opts.env ?? process.env;
    if (opts.apiUrl) this.baseUrl = opts.apiUrl.replace(/\/+$/, '');
    else {
      const host = env.KUBERNETES_SERVICE_HOST;
      const port = env.KUBERNETES_SERVICE_PORT ?? '443';
      if (!host)
        throw new Error(
          'kubernetes discovery: KUBERNETES_SERVICE_HOST is not set (not in a cluster?) and no apiUrl is configured',
        );
      this.baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    }
    this.tokenPath = opts.tokenPath ?? `${SA_DIR}/token`;
    const caPath = opts.caPath ?? `${SA_DIR}/ca.crt`;
    let ca: string | undefined;
    if (this.baseUrl.startsWith('https:')) {
      try {
        ca = readFileSync(caPath, 'utf8');
      } catch (err) {
        throw new Error(`kubernetes discovery: cannot read CA bundle ${caPath}: ${(err as Error).message}`);
      }
    }
    this.dispatcher = new Agent({ connect: ca ? { ca } : {}, keepAliveTimeout: 30_000 });
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    let token = '';
    try {
      token = readFileSync(this.tokenPath, 'utf8').trim();
    } catch {
      /* no token file: anonymous (e.g. kubectl proxy) */
    }
    if (token) h.authorization = `Bearer ${token}`;
    return h;
  }

  private path(namespace: string, query: Record<string, string>): string {
    const qs = new URLSearchParams(query).toString();
    return `${this.baseUrl}/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices?${qs}`;
  }

  async listEndpointSlices(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<EndpointSliceList> {
    const res = await request(this.path(namespace, { labelSelector }), {
      dispatcher: this.dispatcher,
      headers: this.headers(),
      signal,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new KubernetesApiError(
        `list endpointslices: HTTP ${res.statusCode}: ${text.slice(0, 200)}`,
        res.statusCode,
      );
    return JSON.parse(text) as EndpointSliceList;
  }

  /** Yields watch events until the server ends the stream or `signal` aborts. */
  async *watchEndpointSlices(
    namespace: string,
    labelSelector: string,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent> {
    const res = await request(
      this.path(namespace, {
        labelSelector,
        watch: '1',
        resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: '300',
      }),
      { dispatcher: this.dispatcher, headers: this.headers(), signal, bodyTimeout: 0 },
    );
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new KubernetesApiError(
        `watch endpointslices: HTTP ${res.statusCode}: ${text.slice(0, 200)}`,
        res.statusCode,
      );
    }
    let buf = '';
    for await (const chunk of res.body) {
      buf += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line) as WatchEvent;
      }
    }
    if (buf.trim()) yield JSON.parse(buf) as WatchEvent;
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}
