/**
 * The image configuration JSON Docker and OCI runtimes read ("application/vnd.docker.container.image.v1+json",
 * compatible with the OCI image config). Only the fields this project sets are typed.
 */
export interface ContainerConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  /** "uid:gid" (numeric, resolved from the image's /etc/passwd at build time) or empty for root. */
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Durations in nanoseconds, as Docker stores them. */
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: 'linux';
  created: string;
  author?: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: HistoryEntry[];
}

/** Maps Node's process.arch to the GOARCH names image configs use. */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[arch] ?? arch;
}

/** Seconds to the nanoseconds Docker's Healthcheck fields hold. */
export function seconds(n: number): number {
  return Math.round(n * 1e9);
}

/**
 * Builds an image config for `layers` (their diff_ids, base first) with one history entry per
 * layer. Keys are always in the same order, so the same inputs give the same config digest.
 */
export function buildImageConfig(opts: {
  created: string;
  architecture?: string;
  config: ContainerConfig;
  layers: { diffId: string; createdBy: string; comment?: string }[];
}): ImageConfig {
  return {
    architecture: opts.architecture ?? goArch(),
    os: 'linux',
    created: opts.created,
    author: 'airgap-appliance',
    config: normaliseConfig(opts.config),
    rootfs: { type: 'layers', diff_ids: opts.layers.map((l) => l.diffId) },
    history: opts.layers.map((l) => ({ created: opts.created, created_by: l.createdBy, ...(l.comment ? { comment: l.comment } : {}) })),
  };
}

/** Drops undefined fields and sorts map keys (ports, labels) so serialisation is stable. */
function normaliseConfig(c: ContainerConfig): ContainerConfig {
  const sortKeys = <T>(m: Record<string, T> | undefined) =>
    m ? Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k] as T])) : undefined;
  const out: ContainerConfig = {
    Entrypoint: c.Entrypoint,
    Cmd: c.Cmd,
    Env: c.Env,
    ExposedPorts: sortKeys(c.ExposedPorts),
    Volumes: sortKeys(c.Volumes),
    User: c.User,
    WorkingDir: c.WorkingDir,
    Labels: sortKeys(c.Labels),
    StopSignal: c.StopSignal,
    Healthcheck: c.Healthcheck,
  };
  for (const k of Object.keys(out) as (keyof ContainerConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}
