import { randomBytes } from 'node:crypto';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import type { Target } from '../targets/index.js';
import { readNetworkAsset } from './assets.js';
import { hostLegs, primaryLeg, resolveRules } from './matrix.js';
import { rangeIncludes } from './ports.js';
import type { NetworkPlan, SegmentName } from './schema.js';

/** One connection attempt: from a host to another host's address on one port. */
export interface ProbeCase {
  from: string;
  to: string;
  fromSegment: SegmentName;
  toSegment: SegmentName;
  address: string;
  protocol: 'tcp' | 'udp';
  port: number;
  expected: 'open' | 'closed';
}

export type Observed = 'open' | 'closed' | 'unknown';

export interface ProbeResult extends ProbeCase {
  observed: Observed;
  /** What the probe saw: open, refused, timeout, received, not received, busy (listener could not bind). */
  evidence: string;
  ok: boolean;
}

export interface VerifyReport {
  results: ProbeResult[];
  passed: number;
  failed: number;
  unknown: number;
  /** Listener problems per host (e.g. a UDP port taken by a real service: not observable). */
  notes: string[];
}

/**
 * Ports tried when sampling denied flows into a segment: first the ports the segment serves to
 * someone else (5432 into Data, 22 into App: the flows that matter), then the rest of the
 * matrix's ports and the stack's usual service ports (SSH, HTTP(S), NFS, PostgreSQL, Redis, K3s).
 */
function deniedCandidates(plan: NetworkPlan, protocol: 'tcp' | 'udp', toSegment: SegmentName): number[] {
  const served: number[] = [];
  // The stack's service ports are always candidates, even when this plan's matrix lacks them.
  const rest = new Set<number>(protocol === 'tcp' ? [22, 80, 443, 2049, 5432, 6379, 6443] : []);
  for (const r of resolveRules(plan)) {
    if (r.protocol !== protocol) continue;
    for (const p of r.ports) {
      rest.add(p.lo);
      if (r.to === toSegment) served.push(p.lo);
    }
  }
  const first = [...new Set(served)].sort((a, b) => a - b);
  return [...first, ...[...rest].filter((p) => !first.includes(p)).sort((a, b) => a - b)];
}

/**
 * The connection attempts that prove the plan: from every host to every other host's every
 * address, each allowed port (both ends of a range) expected open, and up to `deniedSample`
 * of the matrix's other ports expected closed. The source leg is the one the kernel would use:
 * the host's leg in the destination segment, else its primary leg.
 */
export function buildProbeCases(plan: NetworkPlan, opts: { deniedSample?: number; hosts?: string[] } = {}): ProbeCase[] {
  const sample = opts.deniedSample ?? 3;
  const rules = resolveRules(plan);
  const hosts = opts.hosts ?? Object.keys(plan.hosts);
  const cases: ProbeCase[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from === to) continue;
      for (const [toSegment, address] of hostLegs(plan, to)) {
        const legs = hostLegs(plan, from);
        const src = legs.find(([s]) => s === toSegment) ?? primaryLeg(plan, from);
        if (!src) continue;
        const fromSegment = src[0];
        for (const protocol of ['tcp', 'udp'] as const) {
          const allowed = rules.filter((r) => r.from === fromSegment && r.to === toSegment && r.protocol === protocol).flatMap((r) => r.ports);
          const open = new Set<number>();
          for (const r of allowed) {
            open.add(r.lo);
            open.add(r.hi);
          }
          for (const port of [...open].sort((a, b) => a - b)) cases.push({ from, to, fromSegment, toSegment, address, protocol, port, expected: 'open' });
          const denied = deniedCandidates(plan, protocol, toSegment).filter((p) => !rangeIncludes(allowed, p)).slice(0, sample);
          for (const port of denied) cases.push({ from, to, fromSegment, toSegment, address, protocol, port, expected: 'closed' });
        }
      }
    }
  }
  return cases;
}

export interface VerifyOptions {
  onEvent?: OnEvent;
  task?: string;
  signal?: AbortSignal;
  deniedSample?: number;
  /** Start temporary listeners on the far side for the duration (default true). */
  listeners?: boolean;
  /** Listeners stop by themselves after this long even if the stop command never arrives. */
  listenerLifetimeSec?: number;
  /** Run the probes and listeners as root (ports below 1024). Default true. */
  sudo?: boolean;
}

/**
 * Proves the plan with packets: starts temporary listeners (installer-assets/network/probe-listen.pl)
 * on every host for the ports it will be probed on, runs the connection probe
 * (probe-connect.pl) from every host in parallel over its Target, then stops the listeners and
 * reads which UDP datagrams arrived. A flow passes when what was observed matches the plan:
 * allowed flows connect (TCP) or arrive (UDP), denied flows do not.
 * @param targets an open Target per plan host name (hosts without a Target are skipped).
 */
export async function verifyPlan(plan: NetworkPlan, targets: Map<string, Target>, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const task = opts.task ?? 'network.verify';
  const sudo = opts.sudo ?? true;
  const hosts = Object.keys(plan.hosts).filter((h) => targets.has(h));
  if (hosts.length < 2) throw new ApplianceError('VALIDATION', 'network verify needs at least two plan hosts with a reachable target.');
  const cases = buildProbeCases(plan, { deniedSample: opts.deniedSample, hosts });
  const token = `appliance-probe-${randomBytes(6).toString('hex')}`;
  const listenSrc = readNetworkAsset('probe-listen.pl');
  const connectSrc = readNetworkAsset('probe-connect.pl');
  const log = (host: string, line: string, stream: 'info' | 'warn' = 'info') => opts.onEvent?.({ type: 'log', task, host, stream, line });
  const notes: string[] = [];
  const busy = new Map<string, Set<string>>();
  const pids = new Map<string, string>();
  // Per host in the name too: hosts that share a filesystem (containers, test namespaces) must not read each other's log.
  const logFile = (host: string) => `/tmp/${token}-${host}.log`;

  try {
    if (opts.listeners ?? true) {
      await Promise.all(
        hosts.map(async (host) => {
          const specs = [...new Set(cases.filter((c) => c.to === host).map((c) => `${c.protocol}:${c.port}`))];
          if (specs.length === 0) return;
          const res = await targets.get(host)!.exec(['perl', '-e', listenSrc, logFile(host), String(opts.listenerLifetimeSec ?? 300), ...specs], { sudo, signal: opts.signal, timeoutMs: 20_000 });
          const taken = new Set<string>();
          for (const line of res.stdout.split('\n')) {
            const m = /^busy (\S+)/.exec(line);
            if (m) taken.add(m[1]!);
            const p = /^pid (\d+)/.exec(line);
            if (p) pids.set(host, p[1]!);
          }
          busy.set(host, taken);
          log(host, `listeners on ${specs.length - taken.size} port(s)${taken.size ? `; already in use (a service listens): ${[...taken].join(', ')}` : ''}`);
        }),
      );
    }
    throwIfAborted(opts.signal);

    const observed = new Map<ProbeCase, { observed: Observed; evidence: string }>();
    await Promise.all(
      hosts.map(async (host) => {
        const mine = cases.filter((c) => c.from === host);
        if (mine.length === 0) return;
        const specs = [...new Set(mine.map((c) => `${c.protocol}:${c.address}:${c.port}`))];
        const res = await targets.get(host)!.exec(['perl', '-e', connectSrc, token, ...specs], { sudo: false, signal: opts.signal, timeoutMs: 30_000 });
        const seen = new Map<string, string>();
        for (const line of res.stdout.split('\n')) {
          const [proto, addr, port, what] = line.trim().split(/\s+/);
          if (proto && addr && port && what) seen.set(`${proto}:${addr}:${port}`, what);
        }
        for (const c of mine) {
          const what = seen.get(`${c.protocol}:${c.address}:${c.port}`) ?? 'no answer from probe';
          if (c.protocol === 'tcp') observed.set(c, { observed: what === 'open' ? 'open' : what === 'refused' || what === 'timeout' ? 'closed' : 'unknown', evidence: what });
          else observed.set(c, { observed: 'unknown', evidence: what });
        }
        log(host, `probed ${specs.length} flow(s)`);
      }),
    );
    // Give the last datagrams time to land before the logs are read.
    await new Promise((r) => setTimeout(r, 300));

    // Which UDP datagrams arrived, per receiving host: "udp PORT SOURCE TOKEN".
    await Promise.all(
      hosts.map(async (host) => {
        const res = await targets.get(host)!.exec(['cat', logFile(host)], { sudo, allowFailure: true, signal: opts.signal, timeoutMs: 15_000 });
        const got = new Set<string>();
        for (const line of res.stdout.split('\n')) {
          const [kind, port, source, tok] = line.trim().split(/\s+/);
          if (kind === 'udp' && tok === token && port && source) got.add(`${port}:${source}`);
        }
        for (const c of cases.filter((x) => x.to === host && x.protocol === 'udp')) {
          const src = hostLegs(plan, c.from).map(([, a]) => a);
          const arrived = src.some((a) => got.has(`${c.port}:${a}`));
          const wasBusy = busy.get(host)?.has(`udp:${c.port}`);
          if (wasBusy && !arrived) observed.set(c, { observed: 'unknown', evidence: `udp ${c.port} is held by a service on ${host}: arrival not observable` });
          else observed.set(c, { observed: arrived ? 'open' : 'closed', evidence: arrived ? 'received' : 'not received' });
        }
      }),
    );

    const results: ProbeResult[] = cases.map((c) => {
      const o = observed.get(c) ?? { observed: 'unknown' as const, evidence: 'not probed' };
      return { ...c, ...o, ok: o.observed === c.expected };
    });
    for (const [host, taken] of busy) if (taken.size > 0) notes.push(`${host}: ports already in use by a service (probed as they are): ${[...taken].join(', ')}`);
    return {
      results,
      passed: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok && r.observed !== 'unknown').length,
      unknown: results.filter((r) => r.observed === 'unknown').length,
      notes,
    };
  } finally {
    // Stop every listener we started and remove its log, even after a failure or cancel.
    await Promise.all(
      hosts.map(async (host) => {
        const pid = pids.get(host);
        const t = targets.get(host)!;
        try {
          if (pid) await t.exec(['kill', pid], { sudo, allowFailure: true, timeoutMs: 10_000 });
          await t.exec(['rm', '-f', logFile(host)], { sudo, allowFailure: true, timeoutMs: 10_000 });
        } catch {
          log(host, `could not stop the probe listener (pid ${pid ?? '?'}); it exits by itself after its lifetime`, 'warn');
        }
      }),
    );
  }
}

/** Expected-vs-observed as rows for a table: one row per flow. */
export function reportRows(report: VerifyReport): string[][] {
  return report.results.map((r) => [
    `${r.from} (${r.fromSegment})`,
    `${r.to} ${r.address} (${r.toSegment})`,
    `${r.protocol}/${r.port}`,
    r.expected,
    r.observed,
    r.ok ? 'ok' : r.observed === 'unknown' ? '?' : 'MISMATCH',
    r.evidence,
  ]);
}
