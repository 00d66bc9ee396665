import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { LockIndicator } from '../components/LockIndicator.js';
import { UnlockDialog } from '../components/UnlockDialog.js';
import { useEvents } from '../store/events.js';
import { useNavigation } from '../store/navigation.js';
import { STEPS } from './steps.js';

/** The app shell: the wizard's steps in a sidebar, the current step's screen beside it. */
export function App() {
  const { current, go } = useNavigation();
  const push = useEvents((s) => s.push);
  const [info, setInfo] = useState<{ version: string; host: string } | null>(null);
  const [offline, setOffline] = useState<string | null>(null);

  useEffect(() => api.onEvent(push), [push]);
  useEffect(() => {
    api
      .call('app.info', {})
      .then((i) => setInfo(i))
      .catch((e: Error) => setOffline(e.message));
  }, []);

  const step = STEPS.find((s) => s.id === current) ?? STEPS[0]!;
  const Screen = step.component;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Wizard steps">
        <div className="brand">
          <span className="brand-name">Airgap Appliance</span>
          <span className="brand-sub" data-testid="app-version">
            {info ? `v${info.version} · ${info.host}` : offline ? 'not connected' : 'connecting…'}
          </span>
        </div>
        <ol>
          {STEPS.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                className={s.id === current ? 'nav-item active' : 'nav-item'}
                aria-current={s.id === current ? 'page' : undefined}
                data-testid={`nav-${s.id}`}
                onClick={() => go(s.id)}
              >
                <span className="nav-number">{i + 1}</span>
                <span className="nav-text">
                  <span className="nav-title">{s.title}</span>
                  <span className="nav-hint">{s.hint}</span>
                </span>
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <main className="content">
        {offline ? (
          <div className="banner banner-error" role="alert" data-testid="offline">
            <strong>Not connected to the appliance engine.</strong> {offline} Restart <code>appliance console</code> and open the URL it prints.
          </div>
        ) : null}
        {offline ? null : <LockIndicator />}
        <Screen />
      </main>
      <UnlockDialog />
    </div>
  );
}
