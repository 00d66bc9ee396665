import { NotBuilt } from '../../components/NotBuilt.js';

export default function BundleStep() {
  return <NotBuilt title="Bundle" what="Choosing and verifying a signed bundle (appliance bundle verify on the command line)." />;
}
