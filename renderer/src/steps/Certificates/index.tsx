import { NotBuilt } from '../../components/NotBuilt.js';

export default function CertificatesStep() {
  return <NotBuilt title="Certificates" what="Creating the site CA and server certificates." />;
}
