import type { z } from 'zod';
import { isApplianceError } from '../engine/errors.js';
import type { OnEvent } from '../engine/events/index.js';
import { type ApiError, CallEnvelope, type CallResult, calls, isMethod, type Method } from './contract.js';
import type { AppPaths, HandlerContext } from './handler-context.js';
import { handlers as defaultHandlers } from './handlers.js';
import { redactText, redactValue, withSecretScope } from '../engine/redact.js';
import { createSiteSessionStore, runWithSiteSession, siteSecretScope, type SiteSessionStore } from './site-sessions.js';

type AnyHandler = (input: unknown, ctx: HandlerContext) => Promise<unknown>;

export interface Dispatcher {
  /** Runs one call; never throws: every failure is a typed error result. */
  /**
   * `owner` names who started the call (a window, a console socket): cancelOwner stops what it
   * started. A call reusing a running task id gets CONFLICT and leaves that task, and its
   * owner, as they were.
   */
  dispatch(method: string, envelope: unknown, onEvent: OnEvent, owner?: string): Promise<CallResult>;
  cancel(task: string): boolean;
  /** Cancels every running task `owner` started (its window closed); answers how many. */
  cancelOwner(owner: string): number;
  /** Its window / connection closed: cancels what `owner` started and forgets the sites it unlocked. */
  closeOwner(owner: string): number;
  /** The unlocked sites of every owner (kept only in this process). */
  readonly sessions: SiteSessionStore;
  /** The methods this dispatcher serves (exactly the contract's). */
  readonly methods: readonly Method[];
}

/**
 * The one handler wrapper both hosts use: checks the method is in the contract, validates the
 * envelope and input, runs the handler with an AbortSignal registered under the caller's task
 * id, validates (and so strips) the output, and turns every failure into a typed error with
 * secrets redacted from the message.
 */
export function createDispatcher(opts: {
  host: 'electron' | 'console';
  paths: AppPaths;
  handlers?: Record<string, AnyHandler>;
  log?: (line: string) => void;
  /** Default: a store with the 15-minute idle timeout and the real clock. */
  sessions?: SiteSessionStore;
}): Dispatcher {
  const handlers = (opts.handlers ?? defaultHandlers) as Record<string, AnyHandler>;
  const running = new Map<string, { controller: AbortController; owner: string | undefined }>();
  const sessions = opts.sessions ?? createSiteSessionStore();
  let callSeq = 0;
  const cancel = (task: string) => {
    const r = running.get(task);
    if (!r) return false;
    r.controller.abort();
    return true;
  };
  const cancelOwner = (owner: string) => {
    let n = 0;
    for (const r of running.values()) {
      if (r.owner !== owner || r.controller.signal.aborted) continue;
      r.controller.abort();
      n++;
    }
    return n;
  };

  async function dispatch(method: string, envelope: unknown, onEvent: OnEvent, owner?: string): Promise<CallResult> {
    if (!isMethod(method)) return fail({ code: 'UNKNOWN_METHOD', message: `"${method}" is not a call of this appliance.` });
    const env = CallEnvelope.safeParse(envelope);
    if (!env.success) return fail(validationError(`Malformed call to ${method}.`, env.error));
    const def = calls[method];
    const input = def.input.safeParse(env.data.input ?? {});
    if (!input.success) return fail(validationError(`Invalid input to ${method}.`, input.error));

    const { task } = env.data;
    if (running.has(task)) return fail({ code: 'CONFLICT', message: `Task id ${task} is already running.` });
    const controller = new AbortController();
    running.set(task, { controller, owner });
    const call = ++callSeq;
    // Without an owner (tests, embedders) a call gets a session of its own that ends with it.
    const sessionOwner = owner ?? `call:${call}`;
    const started = Date.now();
    try {
      const handler = handlers[method];
      if (!handler) return fail({ code: 'INTERNAL', message: `No handler for ${method}.` });
      // One choke point: every event leaving the engine is redacted here, whoever emitted it.
      const safeOnEvent: OnEvent = (e) => onEvent(redactValue(e));
      const session = sessions.forOwner(sessionOwner);
      const ctx: HandlerContext = { task, onEvent: safeOnEvent, signal: controller.signal, host: opts.host, paths: opts.paths, cancelTask: cancel, session };
      const raw = await withSecretScope(secretScopeOf(input.data, call), () => runWithSiteSession(session, () => handler(input.data, ctx)));
      const out = (def.output as z.ZodType).safeParse(raw);
      if (!out.success) return fail({ code: 'INTERNAL', message: `${method} produced output that does not match the contract.`, issues: issuesOf(out.error) });
      opts.log?.(`${method} ok in ${Date.now() - started} ms`);
      return { ok: true, value: out.data as never };
    } catch (e) {
      const error = toApiError(e, controller.signal);
      opts.log?.(`${method} failed in ${Date.now() - started} ms: ${error.code} ${error.message}`);
      return fail(error);
    } finally {
      running.delete(task);
      if (owner === undefined) sessions.forget(sessionOwner);
    }
  }

  const closeOwner = (owner: string) => {
    sessions.close(owner);
    return cancelOwner(owner);
  };

  return { dispatch, cancel, cancelOwner, closeOwner, sessions, methods: Object.keys(calls) as Method[] };
}

/**
 * Where the secrets a call registers live: a call on a site folder shares them with the other
 * calls running on that site, and they are forgotten when the last one ends (a site is open
 * in the host while a call on it runs); any other call keeps its own. Never the process-wide
 * set: a page could otherwise blank words out of every later log line.
 */
function secretScopeOf(input: unknown, call: number): string {
  const dir = typeof input === 'object' && input !== null && 'dir' in input ? (input as { dir: unknown }).dir : undefined;
  return typeof dir === 'string' && dir ? siteSecretScope(dir) : `call:${call}`;
}

function fail(error: ApiError): CallResult {
  return { ok: false, error: { ...error, message: redactText(error.message), ...(error.details ? { details: redactValue(error.details) } : {}) } };
}

function issuesOf(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
}

function validationError(message: string, error: z.ZodError): ApiError {
  const issues = issuesOf(error);
  const first = issues[0];
  return { code: 'VALIDATION', message: first ? `${message} ${first.path}: ${first.message}` : message, issues };
}

export function toApiError(e: unknown, signal?: AbortSignal): ApiError {
  if (isApplianceError(e)) {
    return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  }
  if (signal?.aborted) return { code: 'CANCELLED', message: 'Cancelled by the user.' };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
