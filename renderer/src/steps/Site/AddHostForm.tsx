import { useState } from 'react';
import type { Input } from '../../../../electron/api/contract.js';
import { useTask } from '../../api/use-task.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { ensureUnlocked } from '../../store/unlock.js';
import type { SiteSummary } from './site-store.js';

type Auth = 'key' | 'password' | 'agent';
type Role = 'server' | 'lb' | 'db' | 'app' | 'mgmt';

/**
 * Adds a host. The password / key passphrase fields are write-only: sent once to site.addHost,
 * stored encrypted in secrets.enc, cleared here, never shown again.
 */
export function AddHostForm({ dir, onAdded }: { dir: string; onAdded: (s: SiteSummary) => void }) {
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [port, setPort] = useState('22');
  const [user, setUser] = useState('root');
  const [role, setRole] = useState<Role>('server');
  const [segment, setSegment] = useState('');
  const [auth, setAuth] = useState<Auth>('password');
  const [keyPath, setKeyPath] = useState('');
  const [secret, setSecret] = useState('');
  const add = useTask('site.addHost');
  const portNumber = Number(port);
  const portValid = Number.isInteger(portNumber) && portNumber >= 1 && portNumber <= 65535;

  const submit = async () => {
    // Stored encrypted with the site passphrase: the site must be unlocked in this window.
    if (!(await ensureUnlocked(dir, "store the host's credentials"))) return;
    const r = await add.run({
      dir,
      host: { name, address, port: portNumber, user, role, auth, ...(segment ? { segment } : {}), ...(auth === 'key' && keyPath ? { keyPath } : {}) },
      ...(secret && auth === 'key' ? { keyPassphrase: secret } : secret ? { password: secret } : {}),
    } as Input<'site.addHost'>);
    setSecret('');
    if (r) {
      setName('');
      setAddress('');
      setPort('22');
      onAdded(r);
    }
  };

  return (
    <form
      className="panel site-form"
      data-testid="addhost-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2>Add a host</h2>
      <div className="site-grid">
        <label htmlFor="ah-name">Name</label>
        <input id="ah-name" type="text" data-testid="addhost-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="node1" />
        <label htmlFor="ah-address">Address</label>
        <input id="ah-address" type="text" data-testid="addhost-address" value={address} onChange={(e) => setAddress(e.target.value)} placeholder="192.168.10.10" />
        <label htmlFor="ah-port">SSH port</label>
        <input id="ah-port" type="number" className={portValid ? '' : 'invalid'} data-testid="addhost-port" value={port} onChange={(e) => setPort(e.target.value)} />
        <label htmlFor="ah-user">User</label>
        <input id="ah-user" type="text" data-testid="addhost-user" value={user} onChange={(e) => setUser(e.target.value)} />
        <label htmlFor="ah-role">Role</label>
        <select id="ah-role" data-testid="addhost-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {(['server', 'lb', 'db', 'app', 'mgmt'] as const).map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <label htmlFor="ah-segment">Segment (optional)</label>
        <input id="ah-segment" type="text" data-testid="addhost-segment" value={segment} onChange={(e) => setSegment(e.target.value)} placeholder="app" />
        <label htmlFor="ah-auth">Login with</label>
        <select id="ah-auth" data-testid="addhost-auth" value={auth} onChange={(e) => setAuth(e.target.value as Auth)}>
          <option value="password">password</option>
          <option value="key">key file</option>
          <option value="agent">SSH agent</option>
        </select>
        {auth === 'key' ? (
          <>
            <label htmlFor="ah-key">Key file</label>
            <input id="ah-key" type="text" data-testid="addhost-keypath" value={keyPath} onChange={(e) => setKeyPath(e.target.value)} placeholder="/media/usb/keys/id_ed25519" />
          </>
        ) : null}
        {auth !== 'agent' ? (
          <>
            <label htmlFor="ah-secret">{auth === 'key' ? 'Key passphrase (if any)' : 'Password (also used for sudo)'}</label>
            <input id="ah-secret" type="password" autoComplete="new-password" data-testid="addhost-secret" value={secret} onChange={(e) => setSecret(e.target.value)} />
          </>
        ) : null}
      </div>
      <p className="muted">Passwords and key passphrases are stored only in secrets.enc, encrypted with the site passphrase; they are never shown again.</p>
      <ErrorBanner error={add.error} testId="addhost-error" />
      <div className="toolbar">
        <button type="submit" className="primary" data-testid="addhost-submit" disabled={!name || !address || !user || !portValid || add.status === 'running'}>
          {add.status === 'running' ? 'Adding…' : 'Add host'}
        </button>
      </div>
    </form>
  );
}
