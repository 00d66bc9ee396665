import type { ApplianceEvent } from '../../../electron/api/contract.js';
import { formatBytes, formatDuration } from './format.js';

type Progress = Extract<ApplianceEvent, { type: 'progress' }>;

/** A labelled progress bar with amount, rate and ETA, fed by a progress event. */
export function ProgressBar({ progress, testId = 'progress' }: { progress: Progress | undefined; testId?: string }) {
  if (!progress) return null;
  const fraction = progress.total ? Math.min(progress.done / progress.total, 1) : null;
  const amount =
    progress.unit === 'bytes'
      ? `${formatBytes(progress.done)}${progress.total ? ` of ${formatBytes(progress.total)}` : ''}`
      : `${progress.done}${progress.total ? ` of ${progress.total}` : ''}`;
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-label">
        <span>{progress.label ?? 'Working'}</span>
        <span>
          {fraction !== null ? `${(fraction * 100).toFixed(0)}% · ` : ''}
          {amount}
          {progress.rate && progress.unit === 'bytes' ? ` · ${(progress.rate / 1e6).toFixed(0)} MB/s` : ''}
          {progress.eta !== undefined && fraction !== 1 ? ` · ${formatDuration(progress.eta)} left` : ''}
        </span>
      </div>
      <progress max={1} value={fraction ?? undefined} />
    </div>
  );
}
