import { NotBuilt } from '../../components/NotBuilt.js';

export default function InstallStep() {
  return <NotBuilt title="Install" what="Installing the Compose or K3s stack over SSH, resumable, with an audit log." />;
}
