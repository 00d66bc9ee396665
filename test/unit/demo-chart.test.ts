import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// No helm binary here: these checks hold the chart to what helm would need and to the bundle.
const REPO = resolve(import.meta.dirname, '../..');
const CHART = join(REPO, 'bundles/demo/chart/demo-app');
const spec = parse(readFileSync(join(REPO, 'bundles/demo.bundle.yaml'), 'utf8')) as {
  components: { artifacts: { kind: string; ref: string; source: Record<string, string> }[] }[];
};
const artifacts = spec.components.flatMap((c) => c.artifacts);
const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const templates = readdirSync(join(CHART, 'templates')).map((f) => ({ f, text: readFileSync(join(CHART, 'templates', f), 'utf8') }));

function lookup(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('demo Helm chart', () => {
  it('is a Helm 3 chart whose name-version is the bundle chart ref', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.type).toBe('application');
    const ref = artifacts.find((a) => a.kind === 'chart')!;
    expect(ref.source.dir).toBe('demo/chart/demo-app');
    expect(`${chart.name}-${chart.version}`).toBe(ref.ref);
  });

  it('uses the demo app image the bundle carries', () => {
    const image = values.image as { repository: string; tag: string };
    expect(artifacts.filter((a) => a.kind === 'image').map((a) => a.ref)).toContain(`${image.repository}:${image.tag}`);
  });

  it('every .Values path used by a template exists in values.yaml', () => {
    const used = new Set<string>();
    for (const { text } of templates) for (const m of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(10);
    for (const path of used) expect(lookup(values, path.split('.')), `.Values.${path}`).not.toBeUndefined();
  });

  it('has balanced template actions and only defines helpers it uses', () => {
    for (const { f, text } of templates) {
      expect((text.match(/{{/g) ?? []).length, f).toBe((text.match(/}}/g) ?? []).length);
      const opens = (text.match(/{{-?\s*(if|with|range|define)\b/g) ?? []).length;
      const ends = (text.match(/{{-?\s*end\s*-?}}/g) ?? []).length;
      expect(opens, `${f}: if/with/range/define vs end`).toBe(ends);
    }
    const all = templates.map((t) => t.text).join('\n');
    const defined = [...all.matchAll(/define "([^"]+)"/g)].map((m) => m[1]!);
    for (const name of defined) expect(all.includes(`include "${name}"`), name).toBe(true);
    for (const m of all.matchAll(/include "([^"]+)"/g)) expect(defined, m[1]).toContain(m[1]);
  });

  it('probes readiness on /health/ready and liveness on /health, and mounts secrets as files', () => {
    const dep = templates.find((t) => t.f === 'deployment.yaml')!.text;
    expect(dep).toMatch(/readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/health\/ready/);
    expect(dep).toMatch(/livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/health\n/);
    expect(dep).toContain('kind: Deployment');
    expect(dep).not.toMatch(/PGPASSWORD\s*\n\s*value/);
    const helpers = templates.find((t) => t.f === '_helpers.tpl')!.text;
    expect(helpers).toContain('PGPASSWORD_FILE');
    expect(helpers).toContain('REDIS_PASSWORD_FILE');
    const svc = templates.find((t) => t.f === 'service.yaml')!.text;
    expect(svc).toContain('kind: Service');
    expect(svc).toContain('targetPort: http');
  });
});
