// Lint = the architecture's layer rules (plus the React hook rules). `npm test` runs it first.
//   src/core    pure TypeScript: no React, no three.js, no onnxruntime, nothing from engine/ui/cli
//   src/engine  the only place that imports onnxruntime-web; no React, no three.js, no ui/cli
//   src/ui      React; three.js only below src/ui/view, which in turn has no React
//   src/cli     Node entry points on core + engine; no React, no three.js, no ui
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const ORT = { group: ['onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node'], message: 'onnxruntime lives only in src/engine.' };
const THREE = { group: ['three', 'three/*'], message: 'three.js lives only in src/ui/view.' };
const REACT = { group: ['react', 'react/*', 'react-dom', 'react-dom/*'], message: 'React lives only in src/ui (outside src/ui/view).' };
const layer = (dir, message) => ({ group: [`**/${dir}`, `**/${dir}/**`], message });

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'models/training/**'] },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { parser: tseslint.parser, globals: { ...globals.browser, ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(ORT, THREE, REACT, layer('engine', 'core must not depend on engine.'), layer('ui', 'core must not depend on ui.'), layer('cli', 'core must not depend on cli.')),
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: restrict(THREE, REACT, layer('ui', 'engine must not depend on ui.'), layer('cli', 'engine must not depend on cli.')),
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    ignores: ['src/ui/view/**'],
    rules: restrict(ORT, THREE, layer('cli', 'ui must not depend on cli.')),
  },
  {
    files: ['src/ui/view/**/*.ts'],
    rules: restrict(ORT, REACT, layer('cli', 'ui must not depend on cli.')),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(THREE, REACT, layer('ui', 'cli must not depend on ui.')),
  },
);
