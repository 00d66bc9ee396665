import { create } from 'zustand';
import type { Output } from '../../../../electron/api/contract.js';

export type SiteSummary = Output<'site.open'>;

interface SiteState {
  /** The open site (secret-free summary), or null. */
  site: SiteSummary | null;
  setSite(site: SiteSummary | null): void;
}

/** The site open in this window; other steps read its folder from here. Never holds a secret. */
export const useSite = create<SiteState>((set) => ({
  site: null,
  setSite: (site) => set({ site }),
}));
