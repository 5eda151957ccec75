import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';

// The entry holds React and this shell only; the app (its panels, three.js) is a lazy chunk, and onnxruntime-web
// lives in the sampling worker's chunk, so the first paint waits for ~200 kB of script, not ~850 kB.
// (test/e2e/firstload.test.ts checks the entry's size.)
const App = lazy(() => import('./App').then((m) => ({ default: m.App })));

/**
 * What shows while the app's chunk downloads: the top bar the app itself draws, so nothing jumps when it
 * arrives. (The WASM runtime and the model are fetched later, by the sampling worker, when a model loads;
 * their byte progress belongs to the Sample panel's model status.)
 */
function Shell() {
  return (
    <div className="app">
      <header className="topbar">
        <h1>
          LaM-SLidE <span className="muted">trajectory viewer</span>
        </h1>
        <span className="loading" role="status" data-testid="app-loading">
          loading the viewer…
        </span>
      </header>
    </div>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <Suspense fallback={<Shell />}>
      <App />
    </Suspense>
  </StrictMode>,
);
