import { contextBridge, ipcRenderer } from 'electron';
import { methods } from '../api/contract.js';
import { createBridge } from './bridge.js';
import { BRIDGE_GLOBAL } from './bridge-types.js';

// Sandboxed preload: bundled to one CommonJS file (dist/preload/preload.cjs) because a
// sandboxed preload can require nothing but 'electron' and a few built-ins.
contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, createBridge(ipcRenderer, methods));
