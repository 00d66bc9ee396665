import { z } from 'zod';

/** One lab node as a client sees it: where to connect, with which key, and which host key to expect. */
export const LabNode = z.object({
  /** Short node name, also its hostname inside the lab: node1, node2, ... */
  name: z.string(),
  /** IPv4 address on the lab bridge, e.g. 10.99.37.11. */
  address: z.string(),
  sshPort: z.number().int().default(22),
  user: z.string().default('root'),
  /** Private key (ed25519, mode 0600) accepted by root and by `engineer` on every node of this lab. */
  keyPath: z.string(),
  /** Host key fingerprint exactly as OpenSSH prints it: "SHA256:..." (ed25519). */
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
  /** known_hosts file that pins every node of this lab (by address and by name). */
  knownHostsPath: z.string(),
  /** Network namespace holding the node, e.g. "lab-node1" (for `ip netns exec`). */
  netns: z.string(),
  /** True for the docker profile (Docker Engine and Compose v2 installed and enabled). */
  docker: z.boolean(),
  /** Checked for real: the node's PID 1 is alive and sshd answers with an SSH banner. */
  running: z.boolean(),
  /** Host PID of the node's PID 1 (systemd), when known. */
  pid: z.number().int().positive().optional(),
  /** "bare" (systemd, sshd, sudo; no container engine) or "docker" (bare + Docker Engine + Compose v2). */
  profile: z.enum(['bare', 'docker']),
  /** Network segment of the node: "lab" (the flat lab's one bridge) or dmz, app, data, mgmt. */
  segment: z.string(),
  /** `systemctl is-system-running` inside the node ("unknown" when it cannot be asked: down, or not root). */
  systemState: z.string(),
  /** Failed systemd units (`systemctl list-units --failed`), when known. */
  failedUnits: z.array(z.string()).default([]),
  /** Size in bytes of the node's /data filesystem. */
  dataBytes: z.number().int().positive().optional(),
  /** The admin user `engineer`'s sudo password; only present when the reader is root (a lab secret). */
  sudoPassword: z.string().optional(),
});

/** A lab as a whole. `nodes` is empty when the lab is down. */
export const LabStatus = z.object({
  name: z.string(),
  /** Root state directory (base rootfs cache and every lab's files live under it). */
  stateDir: z.string(),
  /** Bridge in the root network namespace, e.g. "labbr-lab". */
  bridge: z.string(),
  /** The lab's own /24, e.g. "10.99.37.0/24". The bridge (host side) is .1, nodes .11, .12, ... */
  subnet: z.string(),
  /** known_hosts for the lab (empty string when down). */
  knownHostsPath: z.string(),
  /** ssh_config mapping node names to addresses, key and known_hosts (empty string when down). */
  sshConfigPath: z.string(),
  nodes: z.array(LabNode),
  /** "flat": one bridge (subnet); "segmented": subnet is the hospital side, nodes sit in `segments`. */
  topology: z.enum(['flat', 'segmented']).default('flat'),
  /** Segmented labs: each segment's 10.99.X.0/24 and its gateway on the router. */
  segments: z.record(z.enum(['dmz', 'app', 'data', 'mgmt']), z.object({ octet: z.number().int(), cidr: z.string(), gateway: z.string() })).optional(),
  /** Segmented labs: the router's network namespace (for `ip netns exec`). */
  routerNetns: z.string().optional(),
});

export type LabNode = z.infer<typeof LabNode>;
export type LabStatus = z.infer<typeof LabStatus>;
