// discovery.k8s.io/v1 EndpointSlices → backend endpoints (pure). One Service may have several
// slices; an endpoint counts as ready when `conditions.ready` is not false (the API says nil
// means unknown and should be read as ready) and it is not terminating.
import type { DiscoveredEndpoint } from '../pool.js';

export interface EndpointSlice {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    targetRef?: { kind?: string; name?: string; namespace?: string };
    nodeName?: string;
  }> | null;
  ports?: Array<{ name?: string; port?: number; protocol?: string; appProtocol?: string }> | null;
}

export interface EndpointSliceList {
  kind?: string;
  apiVersion?: string;
  metadata: { resourceVersion: string };
  items: EndpointSlice[];
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object:
    | EndpointSlice
    | { kind: 'Status'; code?: number; reason?: string; message?: string; metadata?: { resourceVersion?: string } };
}

export interface SliceSelection {
  port?: number;
  portName?: string;
  scheme: 'http' | 'https';
}

function slicePort(slice: EndpointSlice, sel: SliceSelection): number | null {
  if (sel.port !== undefined) return sel.port;
  const ports = slice.ports ?? [];
  const p = sel.portName !== undefined ? ports.find((x) => x.name === sel.portName) : ports[0];
  return p?.port ?? null;
}

/** The union of all slices' endpoints; an address listed twice is ready if any slice says so. */
export function endpointsFromSlices(slices: Iterable<EndpointSlice>, sel: SliceSelection): DiscoveredEndpoint[] {
  const out = new Map<string, DiscoveredEndpoint>();
  for (const slice of slices) {
    const port = slicePort(slice, sel);
    if (port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      const ready = c.ready !== false && c.terminating !== true;
      for (const addr of ep.addresses.slice(0, 1)) {
        const host = slice.addressType === 'IPv6' || addr.includes(':') ? `[${addr}]` : addr;
        const url = `${sel.scheme}://${host}:${port}`;
        const prev = out.get(url);
        const name = ep.targetRef?.name ? `${ep.targetRef.name}:${port}` : `${host}:${port}`;
        out.set(url, { url, name, ready: ready || (prev?.ready ?? false) });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.url < b.url ? -1 : 1));
}
