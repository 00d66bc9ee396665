import { create } from 'zustand';
import type { Output } from '../../../electron/api/contract.js';

export type SiteSummary = Output<'site.open'>;

const DIR_KEY = 'appliance.siteDir';

interface SiteState {
  /** The open site (secret-free summary), or null. */
  site: SiteSummary | null;
  /** The site folder every step works on; remembered across reloads. */
  dir: string;
  setSite(site: SiteSummary | null): void;
  setDir(dir: string): void;
}

function remembered(): string {
  try {
    return localStorage.getItem(DIR_KEY) ?? '';
  } catch {
    return '';
  }
}

function remember(dir: string): void {
  try {
    localStorage.setItem(DIR_KEY, dir);
  } catch {
    // Storage can be disabled; the folder is then asked for again after a reload.
  }
}

/**
 * The site this window works on, shared by every step: opening it on Site & targets (or on
 * any step that asks for a folder) makes it the folder of Hardware, Network and Certificates.
 * Never holds a secret.
 */
export const useSite = create<SiteState>((set) => ({
  site: null,
  dir: remembered(),
  setSite: (site) => {
    if (site) remember(site.dir);
    set(site ? { site, dir: site.dir } : { site: null });
  },
  setDir: (dir) => {
    remember(dir);
    set({ dir });
  },
}));
