import type { ComponentType } from 'react';
import BundleStep from '../steps/Bundle/index.js';
import CertificatesStep from '../steps/Certificates/index.js';
import ChecklistStep from '../steps/Checklist/index.js';
import DiagnosticsStep from '../steps/Diagnostics/index.js';
import HardwareStep from '../steps/Hardware/index.js';
import InstallStep from '../steps/Install/index.js';
import NetworkStep from '../steps/Network/index.js';
import SiteStep from '../steps/Site/index.js';
import type { StepId } from './step-ids.js';

export interface StepDef {
  id: StepId;
  title: string;
  /** One line under the title in the sidebar. */
  hint: string;
  component: ComponentType;
}

/** The sidebar, in order. Each step is one folder under steps/. */
export const STEPS: StepDef[] = [
  { id: 'bundle', title: 'Bundle', hint: 'Verify what you carry', component: BundleStep },
  { id: 'site', title: 'Site & targets', hint: 'Servers and SSH access', component: SiteStep },
  { id: 'hardware', title: 'Hardware', hint: 'Fit for the sizing tier?', component: HardwareStep },
  { id: 'network', title: 'Network', hint: 'Segments, DNS, firewall', component: NetworkStep },
  { id: 'certificates', title: 'Certificates', hint: 'Site CA and server certs', component: CertificatesStep },
  { id: 'install', title: 'Install', hint: 'Compose or K3s over SSH', component: InstallStep },
  { id: 'checklist', title: 'Checklist', hint: 'Go-live evidence', component: ChecklistStep },
  { id: 'diagnostics', title: 'Diagnostics', hint: 'Redacted support bundle', component: DiagnosticsStep },
];
