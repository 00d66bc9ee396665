// Plain browser JavaScript (no framework, no CDN): fills the status list and the patients table.
/* global document */
'use strict';

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  return td;
}

async function getJson(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

async function showStatus() {
  const list = document.getElementById('status');
  list.replaceChildren();
  try {
    const { body } = await getJson('/health/ready');
    for (const [name, check] of Object.entries(body.checks)) {
      const li = document.createElement('li');
      li.className = check.status === 'ok' ? 'ok' : 'fail';
      li.textContent = `${name}: ${check.status === 'ok' ? 'OK' : 'DOWN'} (${check.ms} ms)${check.error ? ' ' + check.error : ''}`;
      list.append(li);
    }
  } catch (e) {
    const li = document.createElement('li');
    li.className = 'fail';
    li.textContent = 'The app did not answer: ' + e.message;
    list.append(li);
  }
}

async function showPatients() {
  const body = document.getElementById('patients');
  try {
    const { status, body: data } = await getJson('/api/patients');
    if (status !== 200) throw new Error(data.error || 'HTTP ' + status);
    body.replaceChildren(
      ...data.patients.map((p) => {
        const tr = document.createElement('tr');
        tr.append(cell(p.mrn), cell(p.full_name), cell(p.ward), cell(p.bed), cell(new Date(p.admitted_at).toLocaleString()));
        return tr;
      }),
    );
    document.getElementById('views').textContent = data.views == null ? '' : `This list has been viewed ${data.views} times.`;
  } catch (e) {
    const tr = document.createElement('tr');
    const td = cell('Could not load patients: ' + e.message);
    td.colSpan = 5;
    tr.append(td);
    body.replaceChildren(tr);
  }
}

async function showVersion() {
  try {
    const { body } = await getJson('/api/info');
    document.getElementById('version').textContent = `${body.name} ${body.version}`;
  } catch {
    /* the footer stays empty */
  }
}

document.addEventListener('DOMContentLoaded', () => {
  showStatus();
  showPatients();
  showVersion();
  setInterval(showStatus, 10000);
});
