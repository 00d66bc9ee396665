/** The demo bundle's images by archive name (bundles/out/images/<name>.tar) -> ref (bundles/demo.bundle.yaml). */
export const DEMO_IMAGE_REFS: Record<string, string> = {
  postgres: 'airgap-demo/postgres:15',
  redis: 'airgap-demo/redis:7',
  'demo-app': 'airgap-demo/demo-app:0.1.0',
  nginx: 'airgap-demo/nginx:1.22',
  prometheus: 'airgap-demo/prometheus:2.42',
  'node-exporter': 'airgap-demo/node-exporter:1.5',
  'postgres-exporter': 'airgap-demo/postgres-exporter:0.11',
  'redis-exporter': 'airgap-demo/redis-exporter:1.45',
};
