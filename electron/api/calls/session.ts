import { z } from 'zod';
import { call } from './define.js';

const dir = z.string().min(1).max(4096).describe('the site folder');
const Unlocked = z.object({ dir: z.string(), expiresAt: z.string().describe('ISO time it locks itself unless used before') });

/**
 * Unlocking a site once per window (Electron: per web contents; console: per WebSocket
 * connection). The host keeps the passphrase in memory with an idle timeout; it never comes
 * back to the renderer, and closing the window or the connection forgets it. Calls on an
 * unlocked site need no passphrase.
 */
export const sessionCalls = {
  'site.unlock': call({
    summary: 'Unlock a site for this window: the passphrase is proven against secrets.enc (PERMISSION if wrong) and kept in the host until locked, closed or idle.',
    input: z
      .object({
        dir,
        // Write-only: proven, kept in the host process, never returned or logged.
        passphrase: z.string().min(1).max(1024),
        idleTimeoutSeconds: z.number().int().min(10).max(4 * 3600).optional().describe('default 900 (15 min); restarted each time the site is used'),
      })
      .strict(),
    output: z.object({ dir: z.string(), idleTimeoutSeconds: z.number(), expiresAt: z.string() }),
  }),
  'site.lock': call({
    summary: 'Lock one site (or, without dir, every site) this window unlocked; its passphrase is forgotten.',
    input: z.object({ dir: dir.optional() }).strict(),
    output: z.object({ locked: z.array(z.string()) }),
  }),
  'site.session': call({
    summary: 'The sites this window has unlocked, and until when (never a passphrase).',
    input: z.object({}).strict(),
    output: z.object({ unlocked: z.array(Unlocked), idleTimeoutSeconds: z.number() }),
  }),
};
