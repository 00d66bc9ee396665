// The open site is shared by every step: see store/site.ts.
export { type SiteSummary, useSite } from '../../store/site.js';
