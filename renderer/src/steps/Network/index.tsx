import { NotBuilt } from '../../components/NotBuilt.js';

export default function NetworkStep() {
  return <NotBuilt title="Network" what="Planning DMZ / App / Data / Management segments and the firewall matrix." />;
}
