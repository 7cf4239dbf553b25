// mcp.allowedServers: what a pattern lets through and, above all, what it does not (a wildcard
// host cannot swallow a path, credentials and other schemes never match, `..` is resolved first).
import { describe, expect, it } from 'vitest';
import { ServerAllowlist } from '../../src/mcp/allowlist.js';

describe('ServerAllowlist', () => {
  it('allows nothing when empty', () => {
    const a = new ServerAllowlist([]);
    expect(a.empty).toBe(true);
    expect(a.check('https://mcp.example.com/mcp')).toBeNull();
  });

  it('matches exact URLs, path wildcards and origin-only patterns', () => {
    const a = new ServerAllowlist([
      'https://mcp.example.com/mcp',
      'https://tools.example.com/v1/*',
      'http://127.0.0.1:8931',
    ]);
    expect(a.check('https://mcp.example.com/mcp')).toBe('https://mcp.example.com/mcp');
    expect(a.check('https://MCP.Example.com:443/mcp')).toBe('https://mcp.example.com/mcp');
    expect(a.check('https://mcp.example.com/mcp/x')).toBeNull();
    expect(a.check('https://tools.example.com/v1/a/b?x=1')).not.toBeNull();
    expect(a.check('https://tools.example.com/v2/a')).toBeNull();
    expect(a.check('http://127.0.0.1:8931/anything')).not.toBeNull();
    expect(a.check('http://127.0.0.1:8932/')).toBeNull();
  });

  it('keeps a host wildcard inside the host', () => {
    const a = new ServerAllowlist(['https://*.example.com/*']);
    expect(a.check('https://a.example.com/mcp')).not.toBeNull();
    expect(a.check('https://evil.test/x.example.com/mcp')).toBeNull();
    expect(a.check('https://evil.test?.example.com/mcp')).toBeNull();
    expect(a.check('https://a.example.com.evil.test/mcp')).toBeNull();
  });

  it('refuses credentials, other schemes, scheme changes and traversal out of the allowed path', () => {
    const a = new ServerAllowlist(['https://mcp.example.com/public/*']);
    expect(a.check('https://user:pw@mcp.example.com/public/x')).toBeNull();
    expect(a.check('http://mcp.example.com/public/x')).toBeNull();
    expect(a.check('ftp://mcp.example.com/public/x')).toBeNull();
    expect(a.check('https://mcp.example.com/public/../admin')).toBeNull();
    expect(a.check('not a url')).toBeNull();
  });

  it('rejects a pattern that is not an http(s) URL at start-up', () => {
    expect(() => new ServerAllowlist(['mcp.example.com'])).toThrow(/not an http\(s\) URL pattern/);
  });
});
