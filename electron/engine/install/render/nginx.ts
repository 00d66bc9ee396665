import { ApplianceError } from '../../errors.js';
import { fillTemplate } from '../../network/assets.js';
import type { StackDeclaration } from '../../bundle/stack.js';
import type { HostVars } from '../types.js';
import { readInstallerAsset } from './assets.js';
import { SERVICES, type ProxyRoleWithConfig } from './compose.js';
import { plainPath } from './paths.js';
import { hostname } from './values.js';

/**
 * Whether the proxy mounts the installer's nginx config: only when the declaration names
 * `roles.proxy.configPath`. An image that renders its own config from its environment (the
 * demo nginx: NGINX_UPSTREAM, NGINX_SERVER_NAME, NGINX_TLS_CERT/KEY, TLS 1.2+) must not get it:
 * its entrypoint writes conf.d/default.conf and a read-only mount there would stop it.
 */
export function usesInstallerNginxConfig(stack: StackDeclaration): boolean {
  return Boolean((stack.roles.proxy as ProxyRoleWithConfig).configPath);
}

/**
 * The nginx server config (installer-assets/nginx/default.conf): HTTP answers /healthz and
 * redirects, HTTPS with TLS 1.2/1.3 proxies to the app. nginx has no quoting to lean on, so every
 * value is checked against a strict shape first (DNS names, a service:port, plain paths).
 */
export function renderNginxConfig(stack: StackDeclaration, vars: HostVars): string {
  const proxy = stack.roles.proxy;
  const names = [...new Set([vars.appFqdn, ...vars.appNames].map((n, i) => hostname(n, i === 0 ? 'HostVars.appFqdn' : `HostVars.appNames[${i - 1}]`)))];
  if (names.length === 0) throw new ApplianceError('VALIDATION', 'The proxy needs at least one app name.');
  return fillTemplate(
    readInstallerAsset('nginx/default.conf'),
    {
      server_names: names.join(' '),
      upstream: `${SERVICES.app}:${stack.roles.app.port}`,
      tls_cert: plainPath(proxy.tlsCert, 'stack.roles.proxy.tlsCert'),
      tls_key: plainPath(proxy.tlsKey, 'stack.roles.proxy.tlsKey'),
    },
    'nginx/default.conf',
  );
}
