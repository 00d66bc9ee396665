import { NotBuilt } from '../../components/NotBuilt.js';

export default function DiagnosticsStep() {
  return <NotBuilt title="Diagnostics" what="Collecting a redacted diagnostic bundle from every node." />;
}
