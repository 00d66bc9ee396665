import { z } from 'zod';
import { Slug, Topology } from './primitives.js';

/**
 * The stack a bundle declares: which image fills which role, health endpoints, the vendor's
 * hooks and the host packages the installer may need. It lives in the spec (`stack:`) and is
 * copied into the signed manifest, so the install engine only ever follows a signed
 * declaration. The installer's own templates (installer-assets/) turn it into a Compose project
 * or K3s manifests; the vendor never ships shell code that runs on the host.
 *
 * Values may use `${NAME}` for what the installer knows (STACK_VARIABLES): generated secrets
 * and the site's names. Anything else is refused with the field named.
 */

/** Secrets the installer generates once per site (kept in secrets.enc, written only to the stack's .env). */
export const STACK_SECRETS = ['DB_PASSWORD', 'REDIS_PASSWORD', 'JWT_SECRET', 'ADMIN_PASSWORD'] as const;
/** Site values: the plan's app and API names, the internal domain, the initial admin's e-mail. */
export const STACK_SITE_VALUES = ['APP_FQDN', 'API_FQDN', 'DOMAIN', 'ADMIN_EMAIL', 'STACK'] as const;
export const STACK_VARIABLES = [...STACK_SECRETS, ...STACK_SITE_VALUES] as const;
export type StackSecretName = (typeof STACK_SECRETS)[number];
export type StackVariable = (typeof STACK_VARIABLES)[number];

const VARIABLE = /\$\{([^}]*)\}/g;

/** Names used as `${NAME}` in a value; the caller reports unknown ones. */
export function variablesIn(value: string): string[] {
  return [...value.matchAll(VARIABLE)].map((m) => m[1]!);
}

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');

/** Refuses unknown `${NAME}`s and line breaks; where `secrets` is false (argv), generated secrets too. */
function checkValue(secrets: boolean) {
  return (v: string, ctx: z.RefinementCtx) => {
    for (const name of variablesIn(v)) {
      const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      if (!(STACK_VARIABLES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', message: `unknown variable \${${shown}} (known: ${STACK_VARIABLES.join(', ')})` });
      else if (!secrets && (STACK_SECRETS as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', message: `\${${name}} is a secret and must not be on a command line (argv is visible in ps and logs); use env or a hook's secretFile` });
    }
    if (/[\r\n]/.test(v)) ctx.addIssue({ code: 'custom', message: 'must be one line' });
  };
}
const EnvValue = z.string().max(1024).superRefine(checkValue(true));
/** One argv element (command, hook argv): site values allowed, secrets not. */
const Arg = z.string().max(1024).superRefine(checkValue(false));
/** At most 128 variables per role: bounded like every other list a signed manifest carries. */
const Env = z.record(EnvName, EnvValue).refine((e) => Object.keys(e).length <= 128, 'must have at most 128 variables');
const Port = z.number().int().min(1).max(65535);
const AbsPath = z.string().regex(/^\/[A-Za-z0-9._@/-]*$/, 'must be an absolute path of letters, digits and ._@-/').max(255);
const HttpPath = z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a URL path such as /health').max(255);
const ImageRef = z.string().min(1).max(256);
/** Replicas per topology (single ignores more than 1 for stateful roles). */
const Replicas = z.object({ single: z.number().int().min(1).max(10).optional(), 'k3s-3': z.number().int().min(1).max(10).optional() }).strict();

/** An HTTP health endpoint the installer waits for and the checklist probes. */
export const HttpHealth = z.object({ port: Port, path: HttpPath }).strict();

const RoleBase = {
  /** An image artifact's ref in this bundle. */
  image: ImageRef,
  env: Env.optional(),
  /** Replaces the image's command (argv, no shell). */
  command: z.array(Arg).max(64).optional(),
};

export const ProxyRole = z
  .object({
    ...RoleBase,
    /** Published on the host: HTTP (redirect + health) and HTTPS. */
    httpPort: Port.default(80),
    httpsPort: Port.default(443),
    /** Where the site certificate (chain) and key are mounted in the container. */
    tlsCert: AbsPath,
    tlsKey: AbsPath,
    /**
     * Where the installer's nginx server config (installer-assets/nginx) is mounted, for a proxy
     * image configured by a file (the official nginx image: /etc/nginx/conf.d/default.conf).
     * Leave it out when the image renders its own config from its environment (the demo nginx).
     */
    configPath: AbsPath.optional(),
    health: HttpHealth,
  })
  .strict();

export const AppRole = z
  .object({
    ...RoleBase,
    /** The port the proxy forwards to. */
    port: Port,
    /** Liveness (process up) and readiness (dependencies reachable). */
    health: HttpHealth,
    ready: HttpHealth,
    /** Prometheus metrics path on `port`, scraped when set. */
    metricsPath: HttpPath.optional(),
    replicas: Replicas.optional(),
  })
  .strict();

export const DatabaseRole = z
  .object({
    ...RoleBase,
    engine: z.literal('postgres'),
    /** The application's database and owner (backups dump it, the restore test counts its rows). */
    database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a PostgreSQL identifier (lowercase)'),
    user: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a PostgreSQL identifier (lowercase)'),
    dataPath: AbsPath,
    port: Port.default(5432),
  })
  .strict();

export const CacheRole = z
  .object({ ...RoleBase, engine: z.literal('redis'), dataPath: AbsPath, port: Port.default(6379) })
  .strict();

export const MonitoringRole = z
  .object({
    ...RoleBase,
    port: Port.default(9090),
    /** Where the installer mounts its prometheus.yml and its rules folder. */
    configPath: AbsPath,
    rulesDir: AbsPath,
    dataPath: AbsPath,
  })
  .strict();

export const Exporter = z.object({ ...RoleBase, port: Port }).strict();

export const Hook = z
  .object({
    /** Journal name; also how a re-run knows it ran ("migrate", "create-admin"). */
    name: Slug,
    description: z.string().max(512).optional(),
    /** Runs in this role's image with its env and networks (`docker compose run --rm`). */
    role: z.enum(['app']),
    argv: z.array(Arg).min(1).max(64),
    /** A generated secret handed to the hook as a file (never argv or env), e.g. the admin password. */
    secretFile: z.object({ secret: z.enum(STACK_SECRETS), path: AbsPath }).strict().optional(),
    /** When in the install: after the data tier is healthy and before the app starts (migrate), or after everything is up. */
    when: z.enum(['before-app', 'after-start']),
  })
  .strict();

/** A Debian package name (policy 5.6.1), optionally with an architecture qualifier. */
export const DebPackageName = z.string().regex(/^[a-z0-9][a-z0-9+.-]{0,99}(:[a-z0-9]+)?$/, 'must be a Debian package name such as docker.io');

/**
 * Packages installed on the host with apt, offline, from the bundle's own artifacts, when
 * missing. An artifact is either one .deb (`binary`) or a tar of .deb files (`asset`, ref
 * ending in .tar): one upload for a whole set with its dependencies.
 */
export const HostPackages = z
  .object({
    /** e.g. "debian-12", "ubuntu-22.04": checked against the host's /etc/os-release (ID-VERSION_ID). */
    os: z.string().regex(/^[a-z]+-[0-9.]+$/, 'must look like debian-12 or ubuntu-22.04'),
    /** The packages that must end up installed (the probe asks dpkg for these); the artifacts bring their dependencies. */
    install: z.array(DebPackageName).min(1).max(64),
    /** Refs of the artifacts holding the .deb files: binary (one .deb) or asset (a .tar of .deb files). */
    debs: z.array(z.string().min(1).max(256)).min(1).max(256),
  })
  .strict();

export const StackDeclaration = z
  .object({
    /** Compose project name and /opt/<name>. */
    name: Slug,
    roles: z
      .object({
        proxy: ProxyRole,
        app: AppRole,
        database: DatabaseRole,
        cache: CacheRole,
        monitoring: MonitoringRole.optional(),
        exporters: z.object({ node: Exporter.optional(), postgres: Exporter.optional(), redis: Exporter.optional() }).strict().optional(),
      })
      .strict(),
    hooks: z.array(Hook).max(16).default([]),
    /** Docker Engine and Compose v2 from the bundle, used when the host has no Docker of minVersion or later. */
    docker: z
      .object({
        minVersion: z.string({ error: 'must be a quoted string such as "20.10" (unquoted, YAML reads 20.10 as the number 20.1)' }).regex(/^\d+\.\d+$/, 'must look like 20.10'),
        packages: z.array(HostPackages).min(1).max(8),
      })
      .strict(),
    /** Other host packages the hardening needs (fail2ban, nftables), per OS. */
    hostPackages: z.array(HostPackages).max(16).default([]),
    topologies: z.array(Topology).min(1).max(8).optional(),
  })
  .strict();

export type StackDeclaration = z.infer<typeof StackDeclaration>;
export type StackDeclarationInput = z.input<typeof StackDeclaration>;
export type StackHook = z.infer<typeof Hook>;
export type StackHostPackages = z.infer<typeof HostPackages>;

/** Every image ref the declaration names, with the role that uses it. */
export function stackImages(s: StackDeclaration): { role: string; image: string }[] {
  const out: { role: string; image: string }[] = [];
  const r = s.roles;
  for (const [role, v] of Object.entries({ proxy: r.proxy, app: r.app, database: r.database, cache: r.cache, monitoring: r.monitoring })) if (v) out.push({ role, image: v.image });
  for (const [name, v] of Object.entries(r.exporters ?? {})) if (v) out.push({ role: `exporters.${name}`, image: v.image });
  return out;
}

/** Whether an artifact of this kind and ref can hold a package set (see HostPackages). */
export function isPackageArtifact(kind: string, ref: string): boolean {
  return kind === 'binary' || (kind === 'asset' && ref.toLowerCase().endsWith('.tar'));
}

/**
 * Cross-checks against the bundle's artifacts: every image is an image artifact, every package
 * ref a binary (.deb) or an asset that is a .tar of .deb files; hook names are unique.
 * Returns problems as {path, message} (path like "stack.roles.app.image").
 */
export function stackProblems(s: StackDeclaration, artifacts: { kind: string; ref: string }[]): { path: string; message: string }[] {
  const kinds = new Map(artifacts.map((a) => [a.ref, a.kind]));
  const problems: { path: string; message: string }[] = [];
  for (const { role, image } of stackImages(s)) {
    const k = kinds.get(image);
    if (k !== 'image') problems.push({ path: `stack.roles.${role}.image`, message: k ? `"${image}" is ${/^[aeiou]/.test(k) ? 'an' : 'a'} ${k}, not an image` : `no image artifact "${image}" in this bundle` });
  }
  const checkDebs = (list: StackHostPackages[], at: string) =>
    list.forEach((p, i) =>
      p.debs.forEach((ref, j) => {
        const k = kinds.get(ref);
        if (!k) problems.push({ path: `${at}[${i}].debs[${j}]`, message: `no artifact "${ref}" in this bundle (a binary .deb, or an asset .tar of .deb files)` });
        else if (!isPackageArtifact(k, ref)) problems.push({ path: `${at}[${i}].debs[${j}]`, message: k === 'asset' ? `"${ref}" is an asset but not a .tar (a package set must be a .tar of .deb files)` : `"${ref}" is ${/^[aeiou]/.test(k) ? 'an' : 'a'} ${k}, not a binary (.deb) or an asset (.tar of .deb files)` });
      }),
    );
  checkDebs(s.docker.packages, 'stack.docker.packages');
  checkDebs(s.hostPackages, 'stack.hostPackages');
  const hooks = new Set<string>();
  s.hooks.forEach((h, i) => {
    if (hooks.has(h.name)) problems.push({ path: `stack.hooks[${i}].name`, message: `hook "${h.name}" appears twice` });
    hooks.add(h.name);
  });
  return problems;
}
