import type { ParseFailure } from './parseProtocol';

export function ErrorBanner({ failure, keptScene, onDismiss }: { failure: ParseFailure; keptScene: string | null; onDismiss(): void }) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-file={failure.file} data-line={failure.line ?? ''}>
      <div className="error-text">
        <strong>Could not open {failure.file}</strong>
        {failure.line !== undefined && failure.line > 0 && <span data-testid="error-line">, line {failure.line}</span>}
        {': '}
        <span data-testid="error-reason">{failure.reason}</span>
        {failure.expected && <span className="expected"> — expected {failure.expected}</span>}
        {keptScene && <div className="muted">Still showing {keptScene}.</div>}
      </div>
      <button type="button" onClick={onDismiss} aria-label="Dismiss error" title="Dismiss">
        ✕
      </button>
    </div>
  );
}
