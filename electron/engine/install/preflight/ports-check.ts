import type { z } from 'zod';
import type { ListeningPort } from '../../hardware/schema.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

type Listener = z.infer<typeof ListeningPort>;

/**
 * The process that listens for a port Docker publishes (userland proxy). A port it holds is
 * ours only when a running container of our Compose project publishes that same port: a re-run
 * finds the stack it started there, and that is no conflict.
 */
export const DOCKER_PROXY = 'docker-proxy';

/**
 * Host TCP ports published by containers, from `docker ps --format '{{.Ports}}'` lines such as
 * "0.0.0.0:443->443/tcp, :::443->443/tcp" or "0.0.0.0:8000-8001->8000-8001/tcp".
 */
export function parseDockerPublishedPorts(text: string): Set<number> {
  const ports = new Set<number>();
  for (const m of text.matchAll(/:(\d+)(?:-(\d+))?->[0-9-]+\/tcp/g)) {
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    for (let p = from; p <= to && p - from < 65536; p++) ports.add(p);
  }
  return ports;
}

export interface PortsInput {
  /** TCP ports the stack will publish on this host. */
  required: number[];
  /** Listening sockets (`ss -tulnp`); null when they could not be read. */
  listeners: Listener[] | null;
  /** Whether process names could be read (ss ran as root); without them a listener's owner is unknown. */
  processNames: boolean;
  /** Host ports published by running containers of our own Compose project. */
  ownPorts: Set<number>;
  stack: string;
}

/**
 * Ports the stack needs must be free, or held by our own stack's docker-proxy (a re-run).
 * A listener on any address blocks the port: Docker binds 0.0.0.0 and would get EADDRINUSE.
 */
export function portsCheck(input: PortsInput): PreflightCheck {
  const title = 'Ports the stack needs are free';
  const wanted = [...new Set(input.required)].sort((a, b) => a - b);
  const list = wanted.map((p) => `${p}/tcp`).join(', ') || 'none';
  if (!wanted.length) return preflightCheck('ports', title, 'pass', 'the stack publishes no ports on this host');
  if (!input.listeners) return preflightCheck('ports', title, 'warn', `could not read the listening sockets; needed: ${list}`, 'Check by hand with `sudo ss -tlnp` that these ports are free.');
  const taken: string[] = [];
  const ours: number[] = [];
  for (const port of wanted) {
    const holders = input.listeners.filter((l) => l.protocol === 'tcp' && l.port === port);
    if (!holders.length) continue;
    if (input.ownPorts.has(port) && holders.every((h) => h.process === DOCKER_PROXY)) {
      ours.push(port);
      continue;
    }
    const who = [...new Set(holders.map((h) => h.process ?? (input.processNames ? 'an unnamed process' : 'a process (name not readable without sudo)')))];
    // ss shows a dual-stack wildcard socket as "*".
    const where = [...new Set(holders.map((h) => (h.address === '*' ? 'all addresses' : h.address)))].join(', ');
    const foreignProxy = who.includes(DOCKER_PROXY) ? ` (a container that is not part of ${input.stack})` : '';
    taken.push(`${port}/tcp is in use by ${who.join(', ')}${foreignProxy} on ${where}`);
  }
  const oursText = ours.length ? `; ${ours.map((p) => `${p}/tcp`).join(', ')} held by ${input.stack}'s own containers` : '';
  if (taken.length) {
    return preflightCheck('ports', title, 'fail', `${taken.join('; ')}${oursText}`, `Stop or move what listens there (\`sudo ss -tlnp\` shows it): the stack must publish ${list}.`);
  }
  return preflightCheck('ports', title, 'pass', `${list} free${oursText}`);
}
