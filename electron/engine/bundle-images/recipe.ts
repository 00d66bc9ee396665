import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ApplianceError } from '../errors.js';
import { seconds, type ContainerConfig } from './image-config.js';

const Argv = z.array(z.string().min(1)).min(1);
const Mode = z.string().regex(/^0?[0-7]{3,4}$/, 'an octal mode like "0755"');

/** A file or folder copied into the image: `src` is relative to the recipe, or `@input/...`. */
const FileCopy = z
  .object({
    src: z.string().min(1),
    dest: z.string().regex(/^\/[^\0]*$/, 'an absolute path inside the image'),
    mode: Mode.optional(),
  })
  .strict();

const Healthcheck = z
  .object({
    test: Argv,
    intervalSeconds: z.number().positive().optional(),
    timeoutSeconds: z.number().positive().optional(),
    startPeriodSeconds: z.number().nonnegative().optional(),
    retries: z.number().int().positive().optional(),
  })
  .strict();

/** Container settings in the recipe; turned into the image config's `config` object. */
const RecipeConfig = z
  .object({
    entrypoint: Argv.optional(),
    cmd: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    ports: z.array(z.string().regex(/^\d+\/(tcp|udp)$/)).optional(),
    volumes: z.array(z.string().startsWith('/')).optional(),
    workingDir: z.string().startsWith('/').optional(),
    /** A user name (resolved to uid:gid from the image's /etc/passwd), "name:group", or numeric. */
    user: z.string().optional(),
    stopSignal: z.string().regex(/^SIG[A-Z0-9]+$/).optional(),
    healthcheck: Healthcheck.optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** One service image: packages on top of the shared base, files, and how it runs. */
export const ImageRecipe = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    ref: z.string().regex(/^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9._-]+$/, 'repository:tag'),
    description: z.string().optional(),
    packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/)).default([]),
    preInstall: z.array(Argv).default([]),
    files: z.array(FileCopy).default([]),
    postInstall: z.array(Argv).default([]),
    config: RecipeConfig,
  })
  .strict();
export type ImageRecipe = z.infer<typeof ImageRecipe>;

/** The shared base layer: debootstrap minbase plus a few packages and helper files. */
export const BaseRecipe = z
  .object({
    variant: z.literal('minbase').default('minbase'),
    packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/)).default([]),
    files: z.array(FileCopy).default([]),
    postInstall: z.array(Argv).default([]),
  })
  .strict();
export type BaseRecipe = z.infer<typeof BaseRecipe>;

/** Loads and validates a YAML recipe; `dir` is kept so file sources resolve against it. */
export async function loadRecipe<T extends z.ZodType>(file: string, schema: T): Promise<{ recipe: z.infer<T>; dir: string; text: string }> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ApplianceError('NOT_FOUND', `Image recipe ${file} does not exist.`);
  });
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ApplianceError('VALIDATION', `${file} is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApplianceError('VALIDATION', `${file}: ${first?.path.join('.') || '(top)'}: ${first?.message}`, { issues: parsed.error.issues });
  }
  return { recipe: parsed.data, dir: dirname(file), text };
}

/**
 * Resolves a recipe file source: `@name/rest` reads from the named input folder (e.g. the
 * compiled demo app), anything else is relative to the recipe folder and may not leave it.
 */
export function resolveSource(src: string, recipeDir: string, inputs: Record<string, string> = {}): string {
  const m = /^@([a-z0-9-]+)(?:\/(.*))?$/.exec(src);
  if (m) {
    const root = inputs[m[1]!];
    if (!root) throw new ApplianceError('VALIDATION', `Recipe in ${recipeDir} uses input @${m[1]}, which the build did not provide.`);
    return m[2] ? join(root, m[2]) : root;
  }
  if (isAbsolute(src)) throw new ApplianceError('VALIDATION', `Recipe in ${recipeDir}: file source ${src} must be relative to the recipe folder.`);
  const abs = resolve(recipeDir, src);
  if (!abs.startsWith(resolve(recipeDir) + '/')) throw new ApplianceError('VALIDATION', `Recipe in ${recipeDir}: file source ${src} leaves the recipe folder.`);
  return abs;
}

/** Parses "0755" into a number. */
export function parseMode(mode: string | undefined, fallback: number): number {
  return mode ? parseInt(mode, 8) : fallback;
}

/** Turns the recipe's config into the image config fields (User resolved by the caller). */
export function toContainerConfig(c: z.infer<typeof RecipeConfig>, user: string | undefined): ContainerConfig {
  const hc = c.healthcheck;
  return {
    Entrypoint: c.entrypoint,
    Cmd: c.cmd,
    Env: c.env ? Object.entries(c.env).map(([k, v]) => `${k}=${v}`) : undefined,
    ExposedPorts: c.ports ? Object.fromEntries(c.ports.map((p) => [p, {}])) : undefined,
    Volumes: c.volumes ? Object.fromEntries(c.volumes.map((v) => [v, {}])) : undefined,
    User: user,
    WorkingDir: c.workingDir,
    Labels: c.labels,
    StopSignal: c.stopSignal,
    Healthcheck: hc
      ? {
          Test: ['CMD', ...hc.test],
          Interval: hc.intervalSeconds !== undefined ? seconds(hc.intervalSeconds) : undefined,
          Timeout: hc.timeoutSeconds !== undefined ? seconds(hc.timeoutSeconds) : undefined,
          StartPeriod: hc.startPeriodSeconds !== undefined ? seconds(hc.startPeriodSeconds) : undefined,
          Retries: hc.retries,
        }
      : undefined,
  };
}

/**
 * A cache key over everything that shapes a layer: the recipe text, the bytes, names and modes
 * of every file it copies (folders walked in sorted order), and extra inputs (builder version,
 * base key, mirror). Any change means a rebuild; no change means the cached layer is reused.
 */
export async function cacheKey(parts: { text: string; sources: string[]; extra: Record<string, unknown> }): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(parts.extra));
  h.update('\0');
  h.update(parts.text);
  for (const src of parts.sources) await hashPath(h, src, src);
  return h.digest('hex');
}

async function hashPath(h: ReturnType<typeof createHash>, abs: string, root: string): Promise<void> {
  const st = await stat(abs).catch(() => null);
  if (!st) throw new ApplianceError('NOT_FOUND', `Image recipe file ${abs} does not exist.`);
  h.update(`\0${abs.slice(root.length)}\0${st.mode & 0o7777}\0`);
  if (st.isDirectory()) {
    for (const name of (await readdir(abs)).sort()) await hashPath(h, join(abs, name), root);
  } else {
    h.update(await readFile(abs));
  }
}
