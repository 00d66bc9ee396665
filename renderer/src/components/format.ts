export { formatBytes } from '../../../electron/api/units.js';

export function formatDuration(seconds: number): string {
  // Whole seconds first, so 839.5 s is "14 min 0 s", never "13 min 60 s".
  const total = Math.ceil(seconds);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  return m < 60 ? `${m} min ${total % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
