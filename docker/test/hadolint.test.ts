// hadolint (installed into .venv by mk/docker.mk) over every Dockerfile in the repository, with
// the repository's settings (.hadolint.yaml: any finding fails, down to style); and proof that
// it really flags what it is here to catch.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HADOLINT = path.join(ROOT, '.venv/bin/hadolint');
if (!existsSync(HADOLINT)) throw new Error('hadolint missing (run `make hadolint-deps`)');

function hadolint(args: string[], input?: string) {
  const r = spawnSync(HADOLINT, ['--no-color', ...args], { cwd: ROOT, input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout + r.stderr };
}

const dockerfiles = execFileSync('git', ['ls-files', '*Dockerfile*'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);

describe('hadolint', () => {
  it('finds the Dockerfiles', () => {
    expect(dockerfiles).toEqual(expect.arrayContaining(['Dockerfile', 'training/Dockerfile']));
  });

  it.each(dockerfiles)('%s passes', (file) => {
    const r = hadolint([file]);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('flags unpinned apt packages, a shell-form command and a user by name', () => {
    const bad = [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      'USER nobody',
      'CMD curl http://localhost/',
      '',
    ].join('\n');
    const r = hadolint(['-'], bad);
    expect(r.status).not.toBe(0);
    for (const rule of ['DL3008', 'DL3066', 'DL3025']) expect(r.out).toContain(rule);
  });

  it('fails on an info-level finding alone (the repository threshold, not hadolint’s default)', () => {
    const r = hadolint(['-'], 'FROM debian:bookworm-slim\nUSER nobody\n');
    expect(r.out).toContain('DL3066');
    expect(r.status).not.toBe(0);
  });
});
