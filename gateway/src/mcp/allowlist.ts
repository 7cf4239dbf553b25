// Which MCP server URLs a request may make the gateway reach (`mcp.allowedServers`). A pattern is
// a URL in which `*` matches any run of characters: within the host it stays inside the host (so
// `https://*.example.com/*` cannot match `https://evil.test/x.example.com/`), in the path it
// matches anything. A pattern without a path allows every path of that origin. URLs are compared
// after WHATWG normalisation (lower-case host, default port dropped, `..` resolved), and URLs
// with credentials or a scheme other than http(s) never match.

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

interface Pattern {
  origin: RegExp;
  path: RegExp;
}

function compile(pattern: string): Pattern {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(pattern.trim());
  if (!m) throw new Error(`mcp.allowedServers: '${pattern}' is not an http(s) URL pattern`);
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const host = escape(authority.toLowerCase()).replace(/\*/g, '[a-z0-9.-]*');
  const path = rest === '' ? '.*' : escape(rest).replace(/\*/g, '.*');
  return { origin: new RegExp(`^${scheme.toLowerCase()}://${host}$`), path: new RegExp(`^${path}$`) };
}

export class ServerAllowlist {
  private readonly patterns: Pattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map(compile);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** The normalised URL when it is allowed, else null. */
  check(url: string): string | null {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return null;
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) return null;
    const origin = `${u.protocol}//${u.host}`;
    const path = `${u.pathname}${u.search}`;
    return this.patterns.some((p) => p.origin.test(origin) && p.path.test(path)) ? u.href : null;
  }
}
