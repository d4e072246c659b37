import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { indexSemantic, semanticStatus } from '../../api/desk';
import type { DeskError, IndexReport, IndexStatus } from '../../api/types';
import { formatCount } from '../../format/money';
import { ErrorExplanation } from '../ErrorExplanation';
import './search.css';

/** How many messages this device has indexed for search by meaning, and "Index now". */
export function SemanticIndex({ compact = false, onIndexed }: { compact?: boolean; onIndexed?: () => void }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<IndexStatus | null>(null);
  const [statusError, setStatusError] = useState<DeskError | null>(null);
  const [indexing, setIndexing] = useState(false);
  const [report, setReport] = useState<IndexReport | null>(null);
  const [failure, setFailure] = useState<DeskError | null>(null);

  const refresh = useCallback(() => {
    semanticStatus().then(
      (s) => {
        setStatus(s);
        setStatusError(null);
      },
      (error: DeskError) => setStatusError(error),
    );
  }, []);

  useEffect(() => {
    let live = true;
    semanticStatus().then(
      (s) => live && setStatus(s),
      (error: DeskError) => live && setStatusError(error),
    );
    return () => {
      live = false;
    };
  }, []);

  const indexNow = async () => {
    setIndexing(true);
    setReport(null);
    setFailure(null);
    try {
      const result = await indexSemantic();
      setReport(result);
      setStatus({ model: result.model, dimension: result.dimension, indexed: result.indexed, pending: result.pending });
      onIndexed?.();
    } catch (error) {
      setFailure(error as DeskError);
      refresh();
    } finally {
      setIndexing(false);
    }
  };

  const n = (value: number) => formatCount(value, i18n.language);
  const problem = report?.error ?? failure ?? statusError;

  return (
    <div className="semantic-index" data-compact={compact || undefined} data-testid="semantic-index">
      <div className="semantic-index-row">
        <p className="semantic-index-status" role="status" data-testid="semantic-status">
          {status
            ? t('semantic.status', { indexed: n(status.indexed), pending: n(status.pending) })
            : statusError
              ? t('semantic.statusUnavailable')
              : t('semantic.statusLoading')}
        </p>
        <button
          type="button"
          className={compact ? 'secondary-button' : 'sc-button sc-button--small'}
          data-testid="semantic-index-now"
          disabled={indexing || status?.pending === 0}
          aria-busy={indexing || undefined}
          onClick={() => void indexNow()}
        >
          {indexing ? t('semantic.indexing') : t('semantic.indexNow')}
        </button>
      </div>
      {status && !compact ? <p className="fine-print">{t('semantic.model', { model: status.model, dimension: status.dimension })}</p> : null}
      {report ? (
        <p className="fine-print" data-testid="semantic-report">
          {t('semantic.report', { count: report.embedded, tokens: n(report.tokens) })}
        </p>
      ) : null}
      {problem ? (
        <div className="semantic-index-problem" role="alert" data-testid="semantic-error" data-error-code={problem.code}>
          {report?.error ? <p className="fine-print">{t('semantic.stoppedEarly')}</p> : null}
          <ErrorExplanation code={problem.code} detail={problem.message} requestId={problem.requestId} />
        </div>
      ) : null}
    </div>
  );
}
