// The stack declaration (electron/engine/bundle/stack.ts) in a bundle spec and in the signed
// manifest: accepted and carried over when good, refused with the field named when not.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/engine/bundle/canonical-json.js';
import { type Manifest, parseManifest } from '../../electron/engine/bundle/manifest.js';
import { loadSpec } from '../../electron/engine/bundle/spec.js';
import { StackDeclaration, stackProblems } from '../../electron/engine/bundle/stack.js';
import { isApplianceError } from '../../electron/engine/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-stack-'));
});
afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

const ARTIFACTS = `schemaVersion: 1
name: st
version: 1.0.0
topologies: [single]
components:
  - name: main
    artifacts:
      - { kind: image, ref: "acme/web:1", source: { archive: web.tar } }
      - { kind: image, ref: "acme/db:1", source: { archive: db.tar } }
      - { kind: image, ref: "acme/cache:1", source: { archive: cache.tar } }
      - { kind: image, ref: "acme/proxy:1", source: { archive: proxy.tar } }
      - { kind: binary, ref: "docker-ce.deb", source: { file: docker-ce.deb } }
      - { kind: asset, ref: "debs/hardening.tar", source: { file: hardening.tar } }
      - { kind: asset, ref: "notes.txt", source: { file: notes.txt } }
`;

/** A good stack section; `edit` replaces one line (by its exact text) to break it. */
const STACK = `stack:
  name: st
  roles:
    proxy:
      image: acme/proxy:1
      tlsCert: /tls/crt
      tlsKey: /tls/key
      health: { port: 80, path: /healthz }
    app:
      image: acme/web:1
      env:
        DB_URL: postgres://db/app
        DB_PASS: \${DB_PASSWORD}
        SERVER_NAME: \${APP_FQDN}
      port: 8080
      health: { port: 8080, path: /health }
      ready: { port: 8080, path: /ready }
    database:
      image: acme/db:1
      engine: postgres
      database: app
      user: app
      dataPath: /var/lib/postgresql/data
    cache:
      image: acme/cache:1
      engine: redis
      dataPath: /data
  hooks:
    - name: create-admin
      role: app
      argv: [create-admin, --email, "\${ADMIN_EMAIL}", --password-file, /run/secrets/admin]
      secretFile: { secret: ADMIN_PASSWORD, path: /run/secrets/admin }
      when: after-start
  docker:
    minVersion: "20.10"
    packages:
      - os: ubuntu-22.04
        install: [docker-ce]
        debs: [docker-ce.deb]
  hostPackages:
    - os: debian-12
      install: [fail2ban, nftables]
      debs: [debs/hardening.tar]
`;

let n = 0;
async function spec(edits: [string, string][] = []): Promise<string> {
  let text = ARTIFACTS + STACK;
  for (const [from, to] of edits) {
    expect(text, `edit target "${from}"`).toContain(from);
    text = text.replace(from, to);
  }
  const file = join(dir, `s${n++}.bundle.yaml`);
  await writeFile(file, text);
  return file;
}

/** The VALIDATION error's lines (file:line:col: path: message) of a spec that must fail. */
async function specErrors(edits: [string, string][]): Promise<string[]> {
  const file = await spec(edits);
  const e = await loadSpec(file).then(
    () => null,
    (x: unknown) => x,
  );
  expect(isApplianceError(e) && e.code).toBe('VALIDATION');
  return (e as Error).message
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(`${file}:`, ''));
}

function manifestWith(stack: unknown, artifacts?: Manifest['artifacts']): Buffer {
  const hex = 'a'.repeat(64);
  const art = (kind: string, ref: string) => ({ component: 'main', kind, ref, path: `blobs/sha256/${hex}`, size: 1, sha256: hex, mediaType: 'application/octet-stream' });
  return Buffer.from(
    canonicalJson({
      schemaVersion: 1,
      name: 'st',
      version: '1.0.0',
      created: '2026-01-01T00:00:00Z',
      topologies: ['single'],
      components: [{ name: 'main' }],
      artifacts: artifacts ?? [art('image', 'acme/web:1'), art('image', 'acme/db:1'), art('image', 'acme/cache:1'), art('image', 'acme/proxy:1'), art('binary', 'docker-ce.deb'), art('asset', 'debs/hardening.tar')],
      ...(stack === undefined ? {} : { stack }),
    }),
  );
}

function integrityError(bytes: Buffer): string {
  try {
    parseManifest(bytes);
  } catch (e) {
    expect(isApplianceError(e) && e.code).toBe('INTEGRITY');
    return (e as Error).message;
  }
  throw new Error('parseManifest accepted it');
}

describe('stack in the bundle spec', () => {
  it('a good stack is accepted with its defaults filled in, and a manifest carries it through canonical JSON', async () => {
    const loaded = await loadSpec(await spec());
    const s = loaded.spec.stack!;
    expect(s.roles.proxy).toMatchObject({ httpPort: 80, httpsPort: 443 });
    expect(s.roles.database.port).toBe(5432);
    expect(s.hooks[0]).toMatchObject({ name: 'create-admin', when: 'after-start', secretFile: { secret: 'ADMIN_PASSWORD' } });
    expect(s.docker.packages[0]).toEqual({ os: 'ubuntu-22.04', install: ['docker-ce'], debs: ['docker-ce.deb'] });
    // What build writes (the spec's parsed stack) reads back identically from the signed bytes.
    const m = parseManifest(manifestWith(s));
    expect(m.stack).toEqual(s);
    expect(canonicalJson(StackDeclaration.parse(JSON.parse(JSON.stringify(s))))).toBe(canonicalJson(s));
  });

  it('a spec without a stack stays valid', async () => {
    const file = join(dir, 'nostack.bundle.yaml');
    await writeFile(file, ARTIFACTS);
    expect((await loadSpec(file)).spec.stack).toBeUndefined();
  });

  it('a misspelt field is named with its line and column', async () => {
    const errs = await specErrors([['      health: { port: 8080, path: /health }', '      helth: { port: 8080, path: /health }']]);
    expect(errs.join('\n')).toMatch(/^\d+:\d+: stack\.roles\.app: .*helth/m);
    expect(errs.join('\n')).toMatch(/stack\.roles\.app\.health: /);
  });

  it('an unknown ${VAR} is refused naming the field and the known variables', async () => {
    const errs = await specErrors([['        DB_PASS: ${DB_PASSWORD}', '        DB_PASS: ${DB_PASSWRD}']]);
    expect(errs).toEqual([expect.stringMatching(/^27:18: stack\.roles\.app\.env\.DB_PASS: unknown variable \$\{DB_PASSWRD\} \(known: DB_PASSWORD, .*ADMIN_EMAIL/)]);
  });

  it('a generated secret on a hook argv is refused (argv shows in ps and logs)', async () => {
    const errs = await specErrors([['--password-file, /run/secrets/admin]', '--password, "${ADMIN_PASSWORD}"]']]);
    expect(errs.join('\n')).toMatch(/stack\.hooks\[0\]\.argv\[4\]: \$\{ADMIN_PASSWORD\} is a secret and must not be on a command line/);
  });

  it('an image ref the bundle does not carry, or that is not an image, is named', async () => {
    const errs = await specErrors([
      ['      image: acme/cache:1', '      image: acme/cache:2'],
      ['      image: acme/db:1', '      image: docker-ce.deb'],
    ]);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\d+:\d+: stack\.roles\.cache\.image: no image artifact "acme\/cache:2" in this bundle$/),
        expect.stringMatching(/^\d+:\d+: stack\.roles\.database\.image: "docker-ce\.deb" is a binary, not an image$/),
      ]),
    );
  });

  it('package refs must be a binary .deb or an asset .tar of .deb files', async () => {
    const errs = await specErrors([
      ['        debs: [docker-ce.deb]', '        debs: [acme/web:1, notes.txt, missing.deb]'],
    ]);
    expect(errs).toEqual([
      expect.stringMatching(/^\d+:\d+: stack\.docker\.packages\[0\]\.debs\[0\]: "acme\/web:1" is an image, not a binary \(\.deb\) or an asset \(\.tar of \.deb files\)$/),
      expect.stringMatching(/^\d+:\d+: stack\.docker\.packages\[0\]\.debs\[1\]: "notes\.txt" is an asset but not a \.tar/),
      expect.stringMatching(/^\d+:\d+: stack\.docker\.packages\[0\]\.debs\[2\]: no artifact "missing\.deb" in this bundle/),
    ]);
    // The line and column point at the bad ref in its list.
    const line = (ARTIFACTS + STACK).split('\n').findIndex((l) => l.includes('debs: [docker-ce.deb]')) + 1;
    expect(errs[0]).toMatch(new RegExp(`^${line}:16:`));
  });

  it('an unquoted minVersion (YAML reads 20.10 as 20.1) says to quote it', async () => {
    const errs = await specErrors([['    minVersion: "20.10"', '    minVersion: 20.10']]);
    expect(errs.join('\n')).toMatch(/stack\.docker\.minVersion: must be a quoted string such as "20\.10"/);
  });

  it('duplicate hook names and stack topologies outside the bundle are refused', async () => {
    const errs = await specErrors([
      ['  hooks:\n', '  topologies: [k3s-3]\n  hooks:\n    - { name: create-admin, role: app, argv: [x], when: before-app }\n'],
    ]);
    expect(errs.join('\n')).toMatch(/stack\.hooks\[1\]\.name: hook "create-admin" appears twice/);
    expect(errs.join('\n')).toMatch(/stack\.topologies: "k3s-3" is not one of the bundle's topologies/);
  });
});

describe('stack in the manifest', () => {
  it('a manifest without a stack stays valid', () => {
    expect(parseManifest(manifestWith(undefined)).stack).toBeUndefined();
  });

  it('a stack naming an artifact the manifest lacks is INTEGRITY, naming the field', async () => {
    const s = (await loadSpec(await spec())).spec.stack!;
    const msg = integrityError(manifestWith({ ...s, hostPackages: [{ os: 'debian-12', install: ['fail2ban'], debs: ['other.tar'] }] }));
    expect(msg).toBe('manifest.json: stack.hostPackages[0].debs[0]: no artifact "other.tar" in this bundle (a binary .deb, or an asset .tar of .deb files).');
    expect(stackProblems(s, [])).toHaveLength(6); // 4 images + 2 package refs
  });

  it('hostile values stay bounded: a 15 MB env value, 10,000 env keys, a 15 MB hook name', async () => {
    const s = (await loadSpec(await spec())).spec.stack!;
    const huge = 'A'.repeat(15 * 1024 * 1024);
    const cases: [unknown, RegExp][] = [
      [{ ...s, roles: { ...s.roles, app: { ...s.roles.app, env: { X: huge } } } }, /stack\.roles\.app\.env\.X: /],
      [{ ...s, roles: { ...s.roles, app: { ...s.roles.app, env: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`V${i}`, 'x'])) } } }, /stack\.roles\.app\.env: must have at most 128 variables/],
      [{ ...s, hooks: [{ ...s.hooks[0], name: huge }] }, /stack\.hooks\.0\.name: /],
      [{ ...s, roles: { ...s.roles, app: { ...s.roles.app, env: { X: `\${${huge}}` } } } }, /stack\.roles\.app\.env\.X: /],
    ];
    for (const [stack, re] of cases) {
      const msg = integrityError(manifestWith(stack));
      expect(msg).toMatch(re);
      expect(msg.length).toBeLessThan(1000);
    }
  });
});
