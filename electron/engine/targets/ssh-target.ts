import { readFile } from 'node:fs/promises';
import ssh2, { type Client as SshClient, type ClientChannel, type ConnectConfig, type ParsedKey } from 'ssh2';
import { ApplianceError } from '../errors.js';
import { redactText, registerSecret } from '../redact.js';
import { auditEntry, commandFailed, outputCollector, prepareCommand, semaphore, stdinStream } from './exec-support.js';
import { sshFingerprint } from './fingerprint.js';
import { shellQuote } from './shell-quote.js';

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports.
const { Client, utils } = ssh2;
import { isSudoRefusal, sudoRefused, type SudoMode } from './sudo.js';
import type { AuditSink, ExecOptions, ExecResult, Target, TargetCommand, UploadOptions, UploadResult } from './target.js';
import { FileSource } from './file-source.js';
import { downloadVia, uploadVia } from './transfer.js';

export interface SshTargetOptions {
  /** Host name from site.yaml, used in every message. */
  name: string;
  address: string;
  port?: number;
  user: string;
  auth: 'key' | 'password' | 'agent';
  /** Private key (PEM/OpenSSH text) or a path to it (auth: key). */
  privateKey?: string | Buffer;
  keyPath?: string;
  keyPassphrase?: string;
  /** Login password (auth: password); also used for sudo when sudo asks for one. */
  password?: string;
  /** SSH agent socket (auth: agent); default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** Pinned host-key fingerprint. Absent: the connection is refused with the presented one (first contact). */
  hostKey?: string;
  /** TCP connect + SSH handshake + authentication must finish within this (default 10 s). */
  connectTimeoutMs?: number;
  /** Cancels the connect (CANCELLED): a user who gives up must not wait out the timeout. */
  signal?: AbortSignal;
  /** Keepalive interval; a dead peer is noticed after 3 missed answers (default 5 s). */
  keepaliveIntervalMs?: number;
  audit?: AuditSink;
  /** Restrict ciphers (benchmarks compare like with like); default: ssh2's order (AES-GCM first with AES-NI). */
  ciphers?: string[];
}

/** The algorithms both sides agreed on (from ssh2's 'handshake' event). */
export interface Negotiated {
  kex: string;
  serverHostKey: string;
  cipher: string;
}

/**
 * A site host reached over SSH (ssh2). The host key is checked against the pinned SHA256
 * fingerprint before authentication; commands are argv arrays quoted by shellQuote; sudo gets
 * the password on stdin, never on the command line; every command is written to the audit sink.
 */
export class SshTarget implements Target {
  readonly kind = 'ssh' as const;
  readonly name: string;
  readonly description: string;
  /** The fingerprint the server presented in this connection. */
  presentedHostKey = '';
  negotiated: Negotiated | undefined;
  private readonly client: SshClient;
  private readonly opts: SshTargetOptions;
  private readonly channels = semaphore(8);
  private lost: string | undefined;
  private sudoModePromise: Promise<SudoMode> | undefined;

  private constructor(client: SshClient, opts: SshTargetOptions) {
    this.client = client;
    this.opts = opts;
    this.name = opts.name;
    this.description = `${opts.user}@${opts.address}:${opts.port ?? 22}`;
    client.on('close', () => {
      this.lost ??= 'the connection was closed';
    });
    client.on('error', (err: Error) => {
      this.lost = err.message;
    });
  }

  /** Connects, verifies the host key and authenticates. Errors: UNREACHABLE, PERMISSION, INTEGRITY. */
  static async connect(opts: SshTargetOptions): Promise<SshTarget> {
    const port = opts.port ?? 22;
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    const who = `${opts.user}@${opts.address}`;
    const config: ConnectConfig = {
      host: opts.address,
      port,
      username: opts.user,
      readyTimeout: timeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: 3,
      ...(opts.ciphers ? { algorithms: { cipher: opts.ciphers as never } } : {}),
    };
    const tried: string[] = [];
    if (opts.auth === 'key') {
      // Parsed here for clear errors; ssh2 gets the original bytes (its PEM export of OpenSSH ed25519 keys does not round-trip).
      const { data } = await loadPrivateKey(opts);
      config.privateKey = data;
      if (opts.keyPassphrase) config.passphrase = opts.keyPassphrase;
      config.authHandler = ['publickey'] as never;
      tried.push('publickey');
    } else if (opts.auth === 'password') {
      if (!opts.password) throw new ApplianceError('VALIDATION', `No password stored for ${opts.name} (${who}); add it with "appliance site add-host ... --password-stdin".`, { host: opts.name });
      registerSecret(opts.password);
      config.password = opts.password;
      config.tryKeyboard = true;
      config.authHandler = ['password', 'keyboard-interactive'] as never;
      tried.push('password', 'keyboard-interactive');
    } else {
      const sock = opts.agentSocket ?? process.env.SSH_AUTH_SOCK;
      if (!sock) throw new ApplianceError('VALIDATION', `${opts.name} uses the SSH agent but SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add the key.`, { host: opts.name });
      config.agent = sock;
      config.authHandler = ['agent'] as never;
      tried.push('agent');
    }

    let hostKeyProblem: ApplianceError | undefined;
    let presented = '';
    config.hostVerifier = (key: Buffer) => {
      presented = sshFingerprint(key);
      if (!opts.hostKey) {
        hostKeyProblem = new ApplianceError(
          'PERMISSION',
          `The host key of ${opts.name} (${opts.address}:${port}) is not pinned yet. It presents ${presented}. Compare it with the server's own (run "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" on its console), then accept it: --accept-host-key ${presented}`,
          { host: opts.name, hostKey: 'unpinned', presented },
        );
        return false;
      }
      if (presented !== opts.hostKey) {
        hostKeyProblem = new ApplianceError(
          'INTEGRITY',
          `HOST KEY CHANGED for ${opts.name} (${opts.address}:${port}): pinned ${opts.hostKey}, presented ${presented}. Someone may be intercepting the connection, or the server was reinstalled. Do not continue: check the key on the server's console; only if it was legitimately regenerated, remove hostKey from site.yaml and accept the new one.`,
          { host: opts.name, hostKey: 'changed', pinned: opts.hostKey, presented },
        );
        return false;
      }
      return true;
    };

    const client = new Client();
    let negotiated: Negotiated | undefined;
    client.on('handshake', (n) => {
      negotiated = { kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher };
    });
    if (opts.auth === 'password') {
      client.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => opts.password!)));
    }

    if (opts.signal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      // ssh2's readyTimeout already spans TCP connect + handshake + auth; this guards DNS and odd paths.
      const guard = setTimeout(() => fail(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' })), timeoutMs + 1_000);
      const onAbort = () => fail(new ApplianceError('CANCELLED', 'Cancelled by the user.'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (err: Error & { level?: string; code?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        opts.signal?.removeEventListener('abort', onAbort);
        // destroy, not end: ssh2's end() half-closes and leaves destroy() a no-op, so a silent
        // peer would keep the socket open after a cancel or timeout.
        client.destroy();
        reject(err instanceof ApplianceError ? err : (hostKeyProblem ?? mapConnectError(err, { name: opts.name, who, address: opts.address, port, timeoutMs, tried })));
      };
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      client.on('error', fail);
      client.once('close', () => fail(Object.assign(new Error('connection closed during the handshake'), { level: 'client-socket' })));
      client.connect(config);
    });

    const target = new SshTarget(client, opts);
    target.presentedHostKey = presented;
    target.negotiated = negotiated;
    return target;
  }

  async exec(cmd: TargetCommand, opts: ExecOptions = {}): Promise<ExecResult> {
    const sudo = opts.sudo ? { mode: await this.sudoMode(), ...(this.opts.password ? { password: this.opts.password } : {}) } : undefined;
    const prepared = prepareCommand(cmd, opts, sudo, true);
    const started = performance.now();
    let result: ExecResult;
    try {
      result = await this.run(prepared.argv, prepared.stdinParts, opts);
    } catch (e) {
      this.opts.audit?.(auditEntry(this.name, prepared, !!opts.sudo, null, performance.now() - started, e instanceof Error ? e.message : String(e)));
      throw e;
    }
    this.opts.audit?.(auditEntry(this.name, prepared, !!opts.sudo, result.exitCode, result.durationMs));
    if (opts.timeoutMs && result.exitCode === 124) throw timedOut(this.name, prepared.auditArgv, opts.timeoutMs);
    if (result.exitCode !== 0 && sudo && sudo.mode !== 'root' && isSudoRefusal(result.stderr)) throw sudoRefused(this.opts.user, this.name, result.stderr);
    if (result.exitCode !== 0 && !opts.allowFailure) throw commandFailed(this.name, prepared.auditArgv, result.exitCode, result.stderr, result.stdout);
    return result;
  }

  /** Runs one command line on a new exec channel. */
  private async run(argv: string[], stdinParts: ReturnType<typeof prepareCommand>['stdinParts'], opts: ExecOptions): Promise<ExecResult> {
    const line = shellQuote(argv);
    if (opts.signal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
    this.assertConnected();
    const release = await this.channels.acquire();
    const started = performance.now();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.runOnChannel(line, argv, stdinParts, opts, started);
        } catch (e) {
          // sshd counts a session until it has reaped it, a moment after the close we saw:
          // under fast turnover a new channel can be refused. Wait briefly and open again.
          if (!(e instanceof ChannelRefused) || attempt >= 6) throw e instanceof ChannelRefused ? this.lostError(e.message) : e;
          await new Promise((r) => setTimeout(r, 40 * attempt));
        }
      }
    } finally {
      release();
    }
  }

  private runOnChannel(line: string, argv: string[], stdinParts: ReturnType<typeof prepareCommand>['stdinParts'], opts: ExecOptions, started: number): Promise<ExecResult> {
    // Listeners are attached inside exec's callback, before any await: a short command's
    // output, exit status and close can arrive in the same read as the exec confirmation,
    // and ssh2 emits them synchronously right after calling us.
    return new Promise<ExecResult>((resolve, reject) => {
      this.client.exec(line, (execErr, ch: ClientChannel) => {
        if (execErr) return reject(/open failed|open failure/i.test(execErr.message) ? new ChannelRefused(execErr.message) : this.lostError(execErr.message));
        const out = outputCollector('stdout', opts.onOutput, opts.stdout);
        const err = outputCollector('stderr', opts.onOutput);
        let exitCode: number | null = null;
        let exitSignal: string | undefined;
        let stopped: ApplianceError | undefined;
        // Closing the channel ends the command's stdin/stdout; we do not wait for it to exit.
        const stop = (e: ApplianceError) => {
          if (stopped) return;
          stopped = e;
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          ch.close();
          reject(e);
        };
        // Backstop only: the remote `timeout` normally ends the command first (exit 124).
        const timer = opts.timeoutMs ? setTimeout(() => stop(timedOut(this.name, argv, opts.timeoutMs!)), opts.timeoutMs + 10_000) : undefined;
        const onAbort = () => stop(new ApplianceError('CANCELLED', 'Cancelled by the user.'));
        opts.signal?.addEventListener('abort', onAbort, { once: true });

        ch.on('data', (chunk: Buffer) => {
          if (!out.push(chunk)) {
            ch.pause();
            opts.stdout!.once('drain', () => ch.resume());
          }
        });
        ch.stderr.on('data', (chunk: Buffer) => err.push(chunk));
        ch.on('exit', (code: number | null, signal?: string) => {
          exitCode = code;
          exitSignal = signal;
        });
        ch.on('close', () => {
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          if (stopped) return;
          if (exitCode === null && exitSignal === undefined) return reject(this.lostError('the connection was lost while the command ran'));
          resolve({ exitCode: exitCode ?? 128, stdout: out.text(), stderr: err.text(), durationMs: performance.now() - started });
        });

        const last = stdinParts.at(-1);
        if (stdinParts.length === 0) ch.end();
        else if (last instanceof FileSource) {
          // Uploads: strings first (sudo password), then the file through reused buffers.
          ch.on('error', () => undefined);
          for (const p of stdinParts.slice(0, -1)) if (typeof p === 'string' || Buffer.isBuffer(p)) ch.write(p);
          last.pumpTo({ stream: ch, batch: this.batch }).then(
            () => {
              if (!stopped) ch.end();
            },
            (e: Error) => stop(new ApplianceError('FAILED', `could not read the data to send to ${this.name}: ${e.message}`, { host: this.name })),
          );
        } else {
          const input = stdinStream(stdinParts);
          input.on('error', (e) => stop(new ApplianceError('FAILED', `could not read the data to send to ${this.name}: ${e.message}`, { host: this.name })));
          // The channel ends when the remote side stops reading; that is not our error.
          ch.on('error', () => undefined);
          input.pipe(ch);
        }
      });
    });
  }

  /**
   * ssh2 writes each 32 KiB packet to the socket as it encrypts it: one syscall per packet.
   * Corked, the packets of one 1 MiB chunk leave in one writev (less CPU, which the encryption
   * and the node's sshd compete for).
   */
  private readonly batch = (write: () => void) => {
    const sock = (this.client as unknown as { _sock?: { cork(): void; uncork(): void } })._sock;
    sock?.cork();
    try {
      write();
    } finally {
      sock?.uncork();
    }
  };

  /** How sudo works here, found once: root, NOPASSWD, or the stored password (checked). */
  sudoMode(): Promise<SudoMode> {
    if (this.opts.user === 'root') return Promise.resolve('root');
    this.sudoModePromise ??= (async (): Promise<SudoMode> => {
      const n = await this.run(['sudo', '-n', 'true'], [], {});
      if (n.exitCode === 0) return 'nopasswd';
      if (!this.opts.password) throw sudoRefused(this.opts.user, this.name, n.stderr);
      const p = await this.run(['sudo', '-k', '-S', '-p', '', '--', 'true'], [`${this.opts.password}\n`], {});
      if (p.exitCode === 0) return 'password';
      throw sudoRefused(this.opts.user, this.name, p.stderr);
    })();
    // A refusal is not cached: the engineer may fix sudoers and try again.
    this.sudoModePromise.catch(() => (this.sudoModePromise = undefined));
    return this.sudoModePromise;
  }

  upload(localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
    return uploadVia(this, localPath, remotePath, opts);
  }

  download(remotePath: string, localPath: string, opts: { signal?: AbortSignal; sudo?: boolean } = {}): Promise<{ size: number }> {
    return downloadVia(this, remotePath, localPath, opts);
  }

  /** True while the SSH connection is up. */
  get connected(): boolean {
    return this.lost === undefined;
  }

  async close(): Promise<void> {
    this.lost ??= 'closed by the appliance';
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1_000);
      this.client.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.client.end();
    });
  }

  private assertConnected(): void {
    if (this.lost !== undefined) throw this.lostError(this.lost);
  }

  private lostError(reason: string): ApplianceError {
    return new ApplianceError('UNREACHABLE', `connection to ${this.name} (${this.opts.address}) lost: ${reason}; check the network and run again`, { host: this.name, reason });
  }
}

async function loadPrivateKey(opts: SshTargetOptions): Promise<{ key: ParsedKey; data: string | Buffer }> {
  let data = opts.privateKey;
  if (data === undefined) {
    if (!opts.keyPath) throw new ApplianceError('VALIDATION', `${opts.name} uses key authentication but has no keyPath.`, { host: opts.name });
    try {
      data = await readFile(opts.keyPath);
    } catch {
      throw new ApplianceError('NOT_FOUND', `Cannot read the SSH key ${opts.keyPath} for ${opts.name}.`, { host: opts.name, keyPath: opts.keyPath });
    }
  }
  if (opts.keyPassphrase) registerSecret(opts.keyPassphrase);
  const parsed = utils.parseKey(data, opts.keyPassphrase);
  const label = opts.keyPath ?? 'the SSH key';
  if (parsed instanceof Error) {
    if (/passphrase|decrypt|bad decrypt/i.test(parsed.message)) {
      throw new ApplianceError('PERMISSION', `Cannot decrypt ${label} for ${opts.name}: ${opts.keyPassphrase ? 'wrong key passphrase' : 'the key is encrypted and no passphrase is stored'}.`, { host: opts.name });
    }
    throw new ApplianceError('VALIDATION', `${label} is not a private key the appliance can read (${parsed.message}).`, { host: opts.name });
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) throw new ApplianceError('VALIDATION', `${label} is not a private key (is it the .pub file?).`, { host: opts.name });
  return { key, data };
}

/** Maps ssh2/socket errors during connect to the appliance's codes and words. */
export function mapConnectError(
  err: Error & { level?: string; code?: string },
  c: { name: string; who: string; address: string; port: number; timeoutMs: number; tried: string[] },
): ApplianceError {
  const where = `${c.name} (${c.address}:${c.port})`;
  const details = { host: c.name, address: c.address, port: c.port, cause: err.code ?? err.level ?? err.message };
  if (err.level === 'client-authentication') {
    return new ApplianceError('PERMISSION', `authentication failed for ${c.who} (tried: ${c.tried.join(', ')}). Check the user, key or password stored for ${c.name}.`, details);
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
    return new ApplianceError('UNREACHABLE', `no SSH answer from ${where} within the connect timeout of ${fmtSeconds(c.timeoutMs)}: check the address, cable/VLAN and firewall.`, details);
  }
  if (err.code === 'ECONNREFUSED') return new ApplianceError('UNREACHABLE', `connection refused by ${where}: is sshd running on port ${c.port}?`, details);
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'EHOSTDOWN') {
    return new ApplianceError('UNREACHABLE', `no route to ${where}: check the address and that this laptop is on the right network.`, details);
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.level === 'client-dns') {
    return new ApplianceError('UNREACHABLE', `cannot resolve ${c.address} for ${c.name}: use an IP address or fix DNS.`, details);
  }
  return new ApplianceError('UNREACHABLE', `cannot reach ${where} over SSH: ${redactText(err.message)}`, details);
}

function timedOut(host: string, argv: string[], ms: number): ApplianceError {
  return new ApplianceError('FAILED', `command on ${host} did not finish within ${fmtSeconds(Math.max(1000, Math.ceil(ms / 1000) * 1000))} and was stopped: ${redactText(argv.join(' ')).slice(0, 120)}`, { host, timeoutMs: ms });
}

function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The server refused to open a channel (its session limit); distinct from a lost connection. */
class ChannelRefused extends Error {}
