import type { ReactNode } from 'react';
import type { DeskError } from '../../api/types';
import { ErrorExplanation } from '../../components/ErrorExplanation';

export function ScreenHeader({ title, id, children }: { title: string; id?: string; children?: ReactNode }) {
  return (
    <header className="sc-header">
      <h1 className="sc-title" id={id}>{title}</h1>
      {children ? <div className="sc-header-actions">{children}</div> : null}
    </header>
  );
}

interface SectionProps {
  id: string;
  title: string;
  description?: string;
  children: ReactNode;
  /** Shown but not usable (a feature that is not there yet). */
  disabled?: boolean;
}

export function Section({ id, title, description, children, disabled }: SectionProps) {
  return (
    <section
      className="sc-section"
      aria-labelledby={`${id}-title`}
      data-section={id}
      aria-disabled={disabled || undefined}
    >
      <h2 id={`${id}-title`} className="sc-section-title">
        {title}
      </h2>
      {description ? <p className="sc-section-description">{description}</p> : null}
      {children}
    </section>
  );
}

/** A failed call, in the error doctor's words. */
export function Problem({ error }: { error: DeskError }) {
  return (
    <div className="sc-problem" role="alert" data-error-code={error.code}>
      <ErrorExplanation code={error.code} detail={error.message} requestId={error.requestId} />
    </div>
  );
}

export function Notice({ tone, children, testId }: { tone: 'ok' | 'warn' | 'info'; children: ReactNode; testId?: string }) {
  return (
    <div className={`sc-notice sc-notice--${tone}`} role={tone === 'warn' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}
