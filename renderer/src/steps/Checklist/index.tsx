import { NotBuilt } from '../../components/NotBuilt.js';

export default function ChecklistStep() {
  return <NotBuilt title="Checklist" what="Running the go-live checklist and printing its report." />;
}
