import { create } from 'zustand';
import { STEP_IDS, type StepId } from '../app/step-ids.js';

function fromHash(): StepId {
  const id = window.location.hash.replace(/^#\/?/, '');
  return (STEP_IDS as readonly string[]).includes(id) ? (id as StepId) : 'bundle';
}

interface NavigationState {
  current: StepId;
  go(step: StepId): void;
}

/** Which wizard step is shown; mirrored in the URL hash so a reload stays on the same screen. */
export const useNavigation = create<NavigationState>((set) => ({
  current: fromHash(),
  go: (step) => {
    if (window.location.hash !== `#/${step}`) window.history.replaceState(null, '', `#/${step}`);
    set({ current: step });
  },
}));
