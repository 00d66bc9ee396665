/**
 * The practice lab: real fake servers on this machine. Each node is a network namespace with its
 * own mount/uts/ipc/pid/cgroup namespaces, an overlay root filesystem over a cached Debian
 * bookworm base (plus a docker layer for the docker profile), pivot_root, real systemd as PID 1
 * with sshd, its own host key, machine-id, boot id and /data filesystem. Nodes sit on one Linux
 * bridge with no default route. See docs/lab.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ApplianceError, isApplianceError, throwIfAborted } from '../errors.js';
import { ignoreEvents, type OnEvent } from '../events/index.js';
import { ensureBaseRootfs } from './base-rootfs.js';
import { createNodeCgroups, hostCgroupLayout } from './cgroups.js';
import { createDataImage, loopDevicesAvailable } from './data-fs.js';
import { ensureDockerLayer } from './docker-layer.js';
import { assertRoot, assertTools, HOST_TOOLS } from './host-tools.js';
import { ensureClientKey, fingerprintOf, writeKnownHosts, writeSshConfig } from './keys.js';
import { acquireLock } from './lock.js';
import {
  bridgeAddress,
  DEFAULT_LAB_NAME,
  labNames,
  nodeAddress,
  nodeNames,
  pickSubnetOctet,
  preferredSubnetOctet,
  resolveStateDir,
  subnetOf,
  validateLabName,
  validateNodeCount,
  type LabNames,
} from './naming.js';
import { addForwardRules, bridgeNetfilterOn, createBridge, createNodeNetwork, labLinks, labNetns, octetsInUse } from './network.js';
import { prepareNodeFiles } from './node-files.js';
import { isSegmented, resolveNodeSpecs, type NodeChoices } from './node-options.js';
import { createRouter, createSegmentNodeNetwork, flushRouterRules, loadRouterRules } from './router.js';
import { pickSegmentOctets, segmentAddresses, type LabSegment, type SegmentNet } from './segments.js';
import { startNode } from './node-process.js';
import { isAlive } from './processes.js';
import { execInNode } from './node-exec.js';
import { dockerAnswers, sshBanner, sshLogin, systemState, until } from './readiness.js';
import type { LabNode, LabStatus } from './schema.js';
import { readSecrets, readState, writeSecrets, writeState, type LabState } from './state.js';
import { teardownLab } from './teardown.js';

export { LabNode, LabStatus } from './schema.js';
export { execInNode, nodeExecArgv, type NodeExecResult } from './node-exec.js';
export { DEFAULT_LAB_NAME, DEFAULT_STATE_DIR, MAX_NODES } from './naming.js';
export { labSshArgv } from './ssh.js';
export { parseNodeOverrides, parseSize, PROFILES, validateProfile, type NodeProfile } from './node-options.js';
export { defaultSegments, LAB_SEGMENTS, LAB_VIP_HOST, validateSegment, type LabSegment } from './segments.js';

export interface LabUpOptions extends NodeChoices {
  /** Lab name (1-8 lowercase letters/digits), default "lab". Several labs can coexist. */
  name?: string;
  /** Number of nodes, 1..15, default 3. */
  nodes?: number;
  /** State root; default APPLIANCE_LAB_DIR or /var/lib/airgap-appliance/lab. */
  stateDir?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

const SSH_READY_MS = 30_000;
const BOOT_READY_MS = 90_000;
const DOCKER_READY_MS = 120_000;

function downHint(name: string): string {
  return name === DEFAULT_LAB_NAME ? '`appliance lab down`' : `\`appliance lab down --name ${name}\``;
}

/**
 * Brings a lab up and resolves once every node's systemd reports `running`, accepts SSH logins
 * with the lab key and (docker profile) answers `docker info`. Builds the base root filesystem
 * (and the docker layer, when a node needs it) first if they are not cached. Throws FAILED when a
 * node boots `degraded`, naming the failed units.
 * Throws PERMISSION when not root, UNSUPPORTED when host tools are missing, CONFLICT when the
 * lab is already up. Anything it created is removed again if it fails or is cancelled.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabStatus> {
  const name = validateLabName(opts.name ?? DEFAULT_LAB_NAME);
  const count = validateNodeCount(opts.nodes ?? 3);
  const specs = resolveNodeSpecs(count, opts);
  const anyDocker = specs.some((s) => s.profile === 'docker');
  const stateDir = resolveStateDir(opts.stateDir);
  const onEvent = opts.onEvent ?? ignoreEvents;
  const signal = opts.signal;
  const task = `lab.up:${name}`;
  assertRoot();
  assertTools(HOST_TOOLS);

  const lab = labNames(name, stateDir);
  const step = (s: string, state: 'running' | 'done' | 'failed', title?: string) => onEvent({ type: 'step', task, step: s, state, title });
  const info = (line: string, host?: string) => onEvent({ type: 'log', task, stream: 'info', line, host });
  onEvent({ type: 'task', task, method: 'lab.up', state: 'running' });

  const release = await acquireLock(lab.lockPath, {
    timeoutMs: 10 * 60_000,
    signal,
    busyMessage: `Another \`appliance lab\` command is still working on lab "${name}".`,
  });
  let created = false;
  try {
    // Already up? Or debris from a crash (then clean it up first).
    const existing = readState(lab.statePath);
    if (existing?.ready && existing.nodes.some((n) => n.pid && isAlive(n.pid, n.startTime))) {
      throw new ApplianceError('CONFLICT', `Lab "${name}" is already up (${existing.nodes.length} nodes). Run ${downHint(name)} first.`);
    }
    if (existing || (await labNetns(lab)).length > 0 || (await labLinks(lab)).length > 0 || existsSync(lab.labDir)) {
      info(`Cleaning up leftovers of an earlier lab "${name}" that did not shut down cleanly...`);
      await teardownLab(lab, existing, { onEvent, task });
    }

    step('base', 'running', 'Base root filesystem');
    const baseDir = await ensureBaseRootfs(stateDir, { onEvent, task, signal });
    const dockerLayerDir = anyDocker ? await ensureDockerLayer(baseDir, { onEvent, task, signal }) : undefined;
    step('base', 'done');
    throwIfAborted(signal);

    const taken = await octetsTaken(lab);
    const octet = pickSubnetOctet(name, taken);
    const segmented = isSegmented(opts);
    const segmentNets = segmented ? pickSegmentOctets(octet, taken) : undefined;
    const addresses = segmentNets ? segmentAddresses(specs.map((s) => s.segment as LabSegment), segmentNets) : undefined;
    const useLoop = loopDevicesAvailable();
    if (!useLoop) info('No loop devices on this host: each node\'s /data is a tmpfs of the set size (in RAM).');
    const nodes = Array.from({ length: count }, (_, i) => nodeNames(lab, i + 1));
    const state: LabState = {
      version: 2,
      name,
      stateDir,
      baseDir,
      ...(dockerLayerDir ? { dockerLayerDir } : {}),
      bridge: lab.bridge,
      octet,
      subnet: subnetOf(octet),
      topology: segmented ? 'segmented' : 'flat',
      ...(segmentNets ? { segments: segmentNets } : {}),
      createdAt: new Date().toISOString(),
      ready: false,
      nodes: nodes.map((n, i) => ({
        name: n.name,
        index: n.index,
        netns: n.netns,
        vethHost: n.vethHost,
        address: addresses?.[i] ?? nodeAddress(octet, n.index),
        profile: specs[i]!.profile,
        segment: specs[i]!.segment,
        dataBytes: specs[i]!.dataBytes,
        dataImage: useLoop ? n.dataImage : 'tmpfs',
        cgroupDirs: [],
      })),
    };
    // Written before the first resource exists, so teardown after a crash knows what to undo.
    await mkdir(lab.labDir, { recursive: true, mode: 0o755 });
    created = true;
    await writeState(lab.statePath, state);
    // The admin user's sudo password: one per lab, a lab secret (root-only file, never logged).
    const engineerPassword = randomBytes(12).toString('base64url');
    await writeSecrets(lab.secretsPath, { engineerPassword });

    step('files', 'running', 'Keys and node files');
    const clientPub = await ensureClientKey(lab.keyPath, name);
    const hosts = state.nodes.map((n) => ({ name: n.name, address: n.address, netns: n.netns }));
    const hostPubs = await Promise.all(
      nodes.map((n) =>
        prepareNodeFiles({ baseDir, node: n, labName: name, clientPublicKey: clientPub, hosts, bridgeAddress: bridgeAddress(octet), profile: state.nodes[n.index - 1]!.profile }),
      ),
    );
    if (useLoop) await Promise.all(nodes.map((n, i) => createDataImage(n.dataImage, specs[i]!.dataBytes)));
    state.nodes.forEach((n, i) => (n.hostKeyFingerprint = fingerprintOf(hostPubs[i]!)));
    await writeKnownHosts(
      lab.knownHostsPath,
      state.nodes.map((n, i) => ({ names: [n.address, n.name, n.netns], publicKeyLine: hostPubs[i]! })),
    );
    await writeSshConfig(lab.sshConfigPath, {
      keyPath: lab.keyPath,
      knownHostsPath: lab.knownHostsPath,
      nodes: state.nodes.map((n) => ({ aliases: [n.name, n.netns], address: n.address })),
    });
    await writeState(lab.statePath, state);
    step('files', 'done');
    throwIfAborted(signal);

    step('network', 'running', 'Bridge and veths');
    await createBridge(lab, bridgeAddress(octet));
    await addForwardRules(lab);
    if (bridgeNetfilterOn()) info(`Bridge netfilter is on: FORWARD rules tagged "${lab.iptablesComment}" let node-to-node traffic through.`);
    if (segmentNets) {
      await createRouter(lab, octet, segmentNets);
      for (const [i, n] of nodes.entries()) {
        const seg = state.nodes[i]!.segment as LabSegment;
        await createSegmentNodeNetwork(lab, n, state.nodes[i]!.address, segmentNets[seg], seg);
      }
    } else {
      for (const [i, n] of nodes.entries()) await createNodeNetwork(lab, n, state.nodes[i]!.address);
    }
    step('network', 'done');
    throwIfAborted(signal);

    step('nodes', 'running', `Starting ${count} node(s)`);
    const cgroups = hostCgroupLayout();
    if (cgroups.hierarchies.length === 0) {
      throw new ApplianceError('UNSUPPORTED', 'systemd in lab nodes needs cgroups, and no cgroup hierarchy is mounted under /sys/fs/cgroup on this machine.');
    }
    for (const [i, n] of nodes.entries()) {
      const ns = state.nodes[i]!;
      // Recorded right after they exist; a crash in between is covered by teardown's scan.
      const dirs = createNodeCgroups(cgroups, name, n.name);
      ns.cgroupDirs = dirs;
      await writeState(lab.statePath, state);
      const lowerDir = ns.profile === 'docker' ? `${dockerLayerDir!}:${baseDir}` : baseDir;
      const p = await startNode(n, { lowerDir, cgroups, cgroupDirs: dirs, bootIdFile: n.bootIdFile, dataImage: useLoop ? n.dataImage : null, dataBytes: ns.dataBytes });
      Object.assign(ns, p);
      await writeState(lab.statePath, state);
      onEvent({ type: 'progress', task, label: 'start nodes', done: i + 1, total: count, unit: 'items' });
    }
    step('nodes', 'done');

    step('ready', 'running', 'Waiting for systemd, sshd (and dockerd)');
    let ready = 0;
    await Promise.all(
      state.nodes.map(async (n, i) => {
        const node = nodes[i]!;
        const alive = () => isAlive(n.pid!, n.startTime);
        const ref = { ...n, pid: n.pid! };
        // systemd first: `is-system-running --wait` returns once the boot job queue is empty.
        let sys = { state: 'unknown', failedUnits: [] as string[] };
        await until(async () => {
          if (!alive()) return true;
          sys = await systemState(ref, { wait: true, timeoutMs: BOOT_READY_MS });
          // "offline": PID 1 does not answer on its private socket yet (very early boot).
          return !['unknown', 'offline', 'starting', 'initializing'].includes(sys.state);
        }, BOOT_READY_MS, 250, signal);
        throwIfAborted(signal);
        if (!alive()) throw new ApplianceError('FAILED', `${n.name}: the node exited while booting. See ${node.consoleLog}.`);
        if (sys.state !== 'running') {
          const failed = sys.failedUnits.length ? `; failed units: ${sys.failedUnits.join(', ')}` : '';
          throw new ApplianceError('FAILED', `${n.name}: systemd is "${sys.state}" after boot${failed}. Inspect with \`appliance lab ssh ${n.name}${name === DEFAULT_LAB_NAME ? '' : ` --name ${name}`} -- systemctl --failed\`.`, { failedUnits: sys.failedUnits });
        }
        const pw = await execInNode(ref, ['chpasswd'], { input: `engineer:${engineerPassword}\n`, timeoutMs: 15_000 });
        if (pw.exitCode !== 0) throw new ApplianceError('FAILED', `${n.name}: setting the engineer's password failed: ${pw.stderr.trim()}`);
        const banner = await until(async () => !alive() || (await sshBanner(n.address, 22, 1000)), SSH_READY_MS, 100, signal);
        throwIfAborted(signal);
        if (!banner || !alive()) {
          throw new ApplianceError('FAILED', `${n.name}: ${alive() ? 'sshd did not answer' : 'the node exited'} within ${SSH_READY_MS / 1000} s. See ${node.consoleLog}.`);
        }
        let login = { ok: false, error: '' };
        for (let t = 0; t < 5 && !login.ok; t++) {
          login = await sshLogin({ address: n.address, keyPath: lab.keyPath, knownHostsPath: lab.knownHostsPath, user: 'root' });
        }
        if (!login.ok) throw new ApplianceError('FAILED', `${n.name}: ssh login with the lab key failed: ${login.error}. See ${node.consoleLog}.`);
        if (n.profile === 'docker') {
          const ok = await until(async () => !alive() || (await dockerAnswers(ref)), DOCKER_READY_MS, 250, signal);
          throwIfAborted(signal);
          if (!ok || !alive()) {
            throw new ApplianceError('FAILED', `${n.name}: docker.service did not answer \`docker info\` within ${DOCKER_READY_MS / 1000} s. See \`journalctl -u docker\` on the node.`);
          }
        }
        info(`systemd running, sshd${n.profile === 'docker' ? ', docker' : ''} ready`, n.name);
        onEvent({ type: 'progress', task, label: 'nodes ready', done: ++ready, total: count, unit: 'items' });
      }),
    );
    state.ready = true;
    await writeState(lab.statePath, state);
    step('ready', 'done');
    const status = await labStatus({ name, stateDir });
    onEvent({ type: 'task', task, method: 'lab.up', state: 'done' });
    return status;
  } catch (e) {
    const cancelled = isApplianceError(e) && e.code === 'CANCELLED';
    if (created) {
      info(`lab up ${cancelled ? 'cancelled' : 'failed'}: removing what it created...`);
      await teardownLab(lab, readState(lab.statePath), { onEvent, task }).catch((te: unknown) =>
        onEvent({ type: 'log', task, stream: 'warn', line: `Cleanup incomplete: ${te instanceof Error ? te.message : String(te)}` }),
      );
    }
    onEvent({ type: 'task', task, method: 'lab.up', state: cancelled ? 'cancelled' : 'failed', error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    release();
  }
}

/** Octets other labs (running or recorded) and host interfaces already use. */
async function octetsTaken(lab: LabNames): Promise<Set<number>> {
  const taken = await octetsInUse(lab.bridge);
  const labsDir = path.join(lab.stateDir, 'labs');
  if (existsSync(labsDir)) {
    for (const other of readdirSync(labsDir)) {
      if (other === lab.name) continue;
      const st = readState(path.join(labsDir, other, 'state.json'));
      if (st) taken.add(st.octet);
      for (const s of Object.values(st?.segments ?? {})) taken.add(s.octet);
    }
  }
  return taken;
}

/**
 * The lab as it is now. `nodes` is empty when the lab is down; each node's `running` is checked
 * for real (PID 1 alive and sshd answering with an SSH banner). Works without root; as root it
 * also asks each node's systemd for its state and failed units, and includes the engineer's
 * sudo password (from the root-only secrets file).
 */
export async function labStatus(opts: { name?: string; stateDir?: string } = {}): Promise<LabStatus> {
  const name = validateLabName(opts.name ?? DEFAULT_LAB_NAME);
  const stateDir = resolveStateDir(opts.stateDir);
  const lab = labNames(name, stateDir);
  const state = readState(lab.statePath);
  if (!state) {
    return { name, stateDir, bridge: lab.bridge, subnet: subnetOf(preferredSubnetOctet(name)), knownHostsPath: '', sshConfigPath: '', nodes: [], topology: 'flat' };
  }
  const root = process.getuid?.() === 0;
  const secrets = root ? readSecrets(lab.secretsPath) : null;
  const nodes: LabNode[] = await Promise.all(
    state.nodes.map(async (n) => {
      const alive = !!n.pid && isAlive(n.pid, n.startTime);
      const running = alive && (await sshBanner(n.address, 22, 2000));
      const sys = alive && root ? await systemState({ ...n, pid: n.pid! }).catch(() => null) : null;
      return {
        name: n.name,
        address: n.address,
        sshPort: 22,
        user: 'root',
        keyPath: lab.keyPath,
        hostKeyFingerprint: n.hostKeyFingerprint ?? 'SHA256:unknown',
        knownHostsPath: lab.knownHostsPath,
        netns: n.netns,
        docker: n.profile === 'docker',
        running,
        ...(alive && n.pid ? { pid: n.pid } : {}),
        profile: n.profile,
        segment: n.segment,
        systemState: sys?.state ?? 'unknown',
        failedUnits: sys?.failedUnits ?? [],
        dataBytes: n.dataBytes,
        ...(secrets ? { sudoPassword: secrets.engineerPassword } : {}),
      };
    }),
  );
  return {
    name,
    stateDir,
    bridge: state.bridge,
    subnet: state.subnet,
    knownHostsPath: lab.knownHostsPath,
    sshConfigPath: lab.sshConfigPath,
    nodes,
    topology: state.topology,
    ...(state.segments ? { segments: state.segments as Record<LabSegment, SegmentNet>, routerNetns: lab.routerNetns } : {}),
  };
}

/**
 * Loads an nftables file (the site's rendered router.nft) into a segmented lab's router, so the
 * segments are separated exactly as the plan says; `flush` removes every rule again. Needs root.
 * Throws NOT_FOUND when the lab is not segmented (or down), FAILED when nft refuses the file.
 */
export async function labRouterRules(opts: { name?: string; stateDir?: string; file?: string; flush?: boolean }): Promise<void> {
  const name = validateLabName(opts.name ?? DEFAULT_LAB_NAME);
  assertRoot();
  const lab = labNames(name, resolveStateDir(opts.stateDir));
  if (readState(lab.statePath)?.topology !== 'segmented') {
    throw new ApplianceError('NOT_FOUND', `Lab "${name}" is not a segmented lab (or not up): start it with \`appliance lab up --segments\`.`);
  }
  if (opts.flush) await flushRouterRules(lab);
  if (opts.file) await loadRouterRules(lab, opts.file);
}

/**
 * Takes a lab down completely: nodes (SIGRTMIN+4 to each node's systemd, SIGKILL after a timeout),
 * stray processes, iptables rules, netns, veths, bridge, mounts, cgroups and the lab's files.
 * Works from the state file and by scanning, so it is safe after a crash and safe to run twice.
 * Keeps the cached base root filesystem.
 */
export async function labDown(opts: { name?: string; stateDir?: string; onEvent?: OnEvent } = {}): Promise<void> {
  const name = validateLabName(opts.name ?? DEFAULT_LAB_NAME);
  const stateDir = resolveStateDir(opts.stateDir);
  const onEvent = opts.onEvent ?? ignoreEvents;
  const task = `lab.down:${name}`;
  assertRoot();
  assertTools({ ip: HOST_TOOLS.ip, iptables: HOST_TOOLS.iptables, umount: HOST_TOOLS.umount });
  const lab = labNames(name, stateDir);
  onEvent({ type: 'task', task, method: 'lab.down', state: 'running' });
  const release = await acquireLock(lab.lockPath, {
    timeoutMs: 10 * 60_000,
    busyMessage: `Another \`appliance lab\` command is still working on lab "${name}".`,
  });
  try {
    await teardownLab(lab, readState(lab.statePath), { onEvent, task });
    onEvent({ type: 'task', task, method: 'lab.down', state: 'done' });
  } catch (e) {
    onEvent({ type: 'task', task, method: 'lab.down', state: 'failed', error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    release();
  }
}
