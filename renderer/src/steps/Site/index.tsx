import { NotBuilt } from '../../components/NotBuilt.js';

export default function SiteStep() {
  return <NotBuilt title="Site & targets" what="Creating a site and adding SSH targets." />;
}
