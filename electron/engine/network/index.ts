/**
 * Network segmentation plan: schema, presets, validation, renderers (nftables, ufw, netplan,
 * /etc/hosts, dnsmasq, haproxy, keepalived) and the packet-level verify. See docs/network.md.
 */
export * from './schema.js';
export * from './ipv4.js';
export { parsePortSpec, portRanges, formatRange, type PortRange } from './ports.js';
export { PRESETS, planFromPreset, listPresets, segmentForHost, k3sRules, baseRules } from './presets.js';
export { validatePlan, planIsUsable, dnsNameProblem } from './validate.js';
export { resolveRules, hostLegs, primaryLeg, type ResolvedRule } from './matrix.js';
export { renderRouterNft, renderHostNft, renderUfw, ufwScript } from './render-firewall.js';
export { renderNetplan, renderHostsFile, renderDnsmasq, nameTable, type InterfaceOf } from './render-host-config.js';
export { renderHaproxy, renderKeepalived } from './render-lb.js';
export { renderPlan, writeRendered, type RenderedFile } from './render-all.js';
export { buildProbeCases, verifyPlan, reportRows, type ProbeCase, type ProbeResult, type VerifyReport, type VerifyOptions } from './verify.js';
export { siteContext, loadSitePlan, planSite, saveSitePlan, renderSitePlan, verifySitePlan, type SitePlan } from './site-plan.js';
