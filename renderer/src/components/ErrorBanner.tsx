import { type ApiCallError, isLockedError } from '../api/client.js';
import { useUnlock } from '../store/unlock.js';

/** A failed call, as a field engineer should see it: the message first, the code for support. */
export function ErrorBanner({ error, testId = 'error' }: { error: ApiCallError | null; testId?: string }) {
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid={testId}>
      <strong>{error.code === 'CANCELLED' ? 'Cancelled.' : 'Failed.'}</strong> {error.message}
      {error.issues && error.issues.length > 1 ? (
        <ul>
          {error.issues.map((i) => (
            <li key={i.path}>
              {i.path}: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      {isLockedError(error) && typeof error.details?.dir === 'string' ? (
        <>
          {' '}
          <button type="button" className="secondary lock-button" data-testid={`${testId}-unlock`} onClick={() => void useUnlock.getState().ask(error.details!.dir as string, 'continue')}>
            Unlock…
          </button>
        </>
      ) : null}
      <span className="error-code">{error.code}</span>
    </div>
  );
}
