/** A coloured pass / warn / fail / info pill. */
export function Verdict({ status, testId }: { status: 'pass' | 'warn' | 'fail' | 'skip' | 'info'; testId?: string }) {
  const label = { pass: 'Pass', warn: 'Warning', fail: 'Fail', skip: 'Skipped', info: 'Info' }[status];
  return (
    <span className={`verdict verdict-${status}`} data-testid={testId}>
      {label}
    </span>
  );
}
