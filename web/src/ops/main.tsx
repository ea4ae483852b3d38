// Browser entry of the operator console (web/ops.html): mounts OpsApp into #root.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { OpsApp } from './OpsApp.js';
import './ops.css';

const root = document.getElementById('root');
if (!root) throw new Error('ops.html must contain #root');
createRoot(root).render(
  <StrictMode>
    <OpsApp />
  </StrictMode>,
);
