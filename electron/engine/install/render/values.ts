import { isIP } from 'node:net';
import { ApplianceError } from '../../errors.js';
import { STACK_SECRETS, STACK_VARIABLES, type StackDeclaration } from '../../bundle/stack.js';
import type { HostVars, StackSecrets } from '../types.js';

/** What the renderer needs to fill the installer's templates for one host. */
export interface ComposeRenderInput {
  /** The bundle's signed stack declaration. */
  stack: StackDeclaration;
  /** The host's values (paths, names, address). */
  vars: HostVars;
  /** The site's generated secrets (only `get` is used; every STACK_SECRETS name must answer). */
  secrets: Pick<StackSecrets, 'get'>;
  /** Site values the declaration may use as ${DOMAIN}, ${API_FQDN}, ${ADMIN_EMAIL} (APP_FQDN is vars.appFqdn). */
  site: { domain: string; apiFqdn: string; adminEmail: string };
}

/** Compose's own rule for project names (stricter than the bundle's Slug: no dots). */
const PROJECT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A DNS name (letters, digits, hyphens, dots): the only shape the nginx config and .env get. */
export function hostname(value: string, what: string): string {
  if (!HOSTNAME.test(value)) throw new ApplianceError('VALIDATION', `${what} must be a DNS name such as hospital-erp.local (got ${JSON.stringify(value)}).`);
  return value.toLowerCase();
}

/** Refuses input the templates cannot carry, naming the field. */
export function checkInput(input: ComposeRenderInput): void {
  const { stack, vars } = input;
  if (!PROJECT.test(stack.name)) throw new ApplianceError('VALIDATION', `stack.name "${stack.name}" cannot be a Compose project name: use lowercase letters, digits, "-" and "_" (no dots).`);
  if (vars.stack !== stack.name) throw new ApplianceError('VALIDATION', `HostVars.stack "${vars.stack}" is not the declaration's name "${stack.name}".`);
  if (!isIP(vars.address)) throw new ApplianceError('VALIDATION', `HostVars.address must be the host's IP address, where the proxy publishes its ports (got ${JSON.stringify(vars.address)}).`);
  hostname(vars.appFqdn, 'HostVars.appFqdn');
  vars.appNames.forEach((n, i) => hostname(n, `HostVars.appNames[${i}]`));
  hostname(input.site.domain, 'site domain');
  hostname(input.site.apiFqdn, 'site API name');
  if ([...input.site.adminEmail].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) || input.site.adminEmail.length > 254 || !input.site.adminEmail.includes('@')) {
    throw new ApplianceError('VALIDATION', 'The admin e-mail must be one line with an @ (at most 254 characters).');
  }
}

/**
 * Every STACK_VARIABLES value for the .env: generated secrets from the site's vault, site values
 * from the plan. Compose interpolates compose.yaml's ${NAME} from these.
 */
export function stackVariableValues(input: ComposeRenderInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of STACK_SECRETS) {
    const v = input.secrets.get(name);
    if (typeof v !== 'string' || v.length === 0) throw new ApplianceError('VALIDATION', `The site has no generated secret ${name}.`);
    out[name] = v;
  }
  out.APP_FQDN = input.vars.appFqdn.toLowerCase();
  out.API_FQDN = input.site.apiFqdn.toLowerCase();
  out.DOMAIN = input.site.domain.toLowerCase();
  out.ADMIN_EMAIL = input.site.adminEmail;
  out.STACK = input.stack.name;
  for (const name of STACK_VARIABLES) if (!(name in out)) throw new ApplianceError('INTERNAL', `No value for the stack variable ${name}: update render/values.ts.`);
  return out;
}
