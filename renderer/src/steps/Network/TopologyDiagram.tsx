import type { Plan } from './plan-types.js';
import { SEGMENTS, SEGMENT_TITLE } from './plan-types.js';

const LABEL_W = 170;
const BAND_H = 86;
const HOST_W = 112;
const HOST_H = 34;
const LANE_X0 = 600;
const LANE_W = 30;

/**
 * The plan as a picture: one band per segment (hospital on top), each host as a box with its
 * address, the VIP in the DMZ, and one arrow per allowed flow between segments, labelled with
 * its ports. Built from the plan on every render, so it follows every edit.
 */
export function TopologyDiagram({ plan }: { plan: Plan }) {
  const bands = [...(plan.hospitalNetworks.length ? ['hospital'] : []), ...SEGMENTS];
  const y = (band: string) => bands.indexOf(band) * BAND_H;
  const H = bands.length * BAND_H + 8;
  const W = Math.max(860, LANE_X0 + flowCount(plan) * LANE_W + 40);

  // One arrow per from->to pair, ports of all its rules joined.
  const flows = new Map<string, { from: string; to: string; label: string[] }>();
  for (const r of plan.firewall) {
    if (!bands.includes(r.from) || !bands.includes(r.to)) continue;
    const key = `${r.from}>${r.to}`;
    const f = flows.get(key) ?? { from: r.from, to: r.to, label: [] };
    f.label.push(`${r.protocol === 'udp' ? 'udp ' : ''}${r.ports.join(',')}`);
    flows.set(key, f);
  }

  return (
    <svg className="net-diagram" data-testid="network-diagram" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Network topology">
      <defs>
        <marker id="net-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="net-arrowhead" />
        </marker>
      </defs>
      {bands.map((b) => {
        const top = y(b);
        const cidr = b === 'hospital' ? plan.hospitalNetworks.map((n) => n.cidr).join(', ') : plan.segments[b as (typeof SEGMENTS)[number]].cidr;
        const vlan = b === 'hospital' ? undefined : plan.segments[b as (typeof SEGMENTS)[number]].vlan;
        const hosts = b === 'hospital' ? [] : Object.entries(plan.hosts).filter(([, a]) => a[b as (typeof SEGMENTS)[number]]);
        return (
          <g key={b} data-testid={`diagram-band-${b}`}>
            <rect x={0} y={top + 2} width={W} height={BAND_H - 4} rx={8} className={`net-band net-band-${b}`} />
            <text x={12} y={top + 26} className="net-band-title">
              {SEGMENT_TITLE[b]}
              {vlan ? ` · VLAN ${vlan}` : ''}
            </text>
            <text x={12} y={top + 46} className="net-band-cidr">
              {cidr}
            </text>
            {b === 'dmz' ? (
              <g data-testid="diagram-vip">
                <ellipse cx={LABEL_W + 58} cy={top + BAND_H / 2} rx={60} ry={18} className="net-vip" />
                <text x={LABEL_W + 58} y={top + BAND_H / 2 + 4} textAnchor="middle" className="net-vip-text">
                  VIP {plan.vip}
                </text>
              </g>
            ) : null}
            {hosts.map(([name, a], i) => {
              const x = LABEL_W + (b === 'dmz' ? 128 : 0) + i * (HOST_W + 8);
              if (x + HOST_W > LANE_X0 - 8) return null;
              return (
                <g key={name} data-testid={`diagram-host-${name}`}>
                  <rect x={x} y={top + (BAND_H - HOST_H) / 2} width={HOST_W} height={HOST_H} rx={5} className="net-host" />
                  <text x={x + HOST_W / 2} y={top + BAND_H / 2 - 3} textAnchor="middle" className="net-host-text">
                    {name}
                  </text>
                  <text x={x + HOST_W / 2} y={top + BAND_H / 2 + 11} textAnchor="middle" className="net-host-addr">
                    {a[b as (typeof SEGMENTS)[number]]}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
      {[...flows.values()].map((f, i) => {
        const x = LANE_X0 + i * LANE_W;
        const y1 = y(f.from) + BAND_H / 2;
        const y2 = y(f.to) + BAND_H / 2;
        const refused = f.from === 'dmz' && f.to === 'data';
        const lx = x + (f.from === f.to ? 30 : 11);
        const d = f.from === f.to ? `M ${x} ${y1 - 14} C ${x + 26} ${y1 - 30}, ${x + 26} ${y1 + 30}, ${x} ${y1 + 14}` : `M ${x} ${y1 + (y2 > y1 ? 12 : -12)} L ${x} ${y2 + (y2 > y1 ? -14 : 14)}`;
        return (
          <g key={`${f.from}>${f.to}`} data-testid={`diagram-flow-${f.from}-${f.to}`}>
            <path d={d} className={refused ? 'net-flow net-flow-refused' : 'net-flow'} markerEnd="url(#net-arrow)" />
            <text x={lx} y={(y1 + y2) / 2} className="net-flow-label" transform={`rotate(-90 ${lx} ${(y1 + y2) / 2})`} textAnchor="middle">
              {f.label.join(' ')}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function flowCount(plan: Plan): number {
  return new Set(plan.firewall.map((r) => `${r.from}>${r.to}`)).size;
}
