import { memo, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../state/useNow';
import { ChevronIcon } from './icons';

interface Props {
  reasoning: string;
  /** The model is still thinking (its answer has not started). */
  thinking: boolean;
  /** Known only for replies seen streaming here; stored replies do not keep it. */
  startedAt: number | null;
  endedAt: number | null;
}

/**
 * The model's thinking, kept apart from the answer and folded away by default: it can be far
 * longer than the answer and is rarely what the person came for.
 */
function ThinkingSectionView({ reasoning, thinking, startedAt, endedAt }: Props) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const bodyId = useId();

  let label: string;
  if (thinking) label = t('thinking.live');
  else if (startedAt !== null && endedAt !== null)
    label = t('thinking.took', { seconds: Math.max(1, Math.round((endedAt - startedAt) / 1000)) });
  else label = t('thinking.done');

  return (
    <section className="thinking" data-testid="thinking" data-open={open || undefined} data-live={thinking || undefined}>
      <button
        type="button"
        className="thinking-toggle"
        aria-expanded={open}
        aria-controls={bodyId}
        onClick={() => setOpen((value) => !value)}
      >
        <ChevronIcon open={open} />
        <span>{label}</span>
        {thinking && startedAt !== null ? <LiveSeconds since={startedAt} /> : null}
      </button>
      <div id={bodyId} className="thinking-body" hidden={!open} data-testid="thinking-body">
        {reasoning}
      </div>
    </section>
  );
}

function LiveSeconds({ since }: { since: number }) {
  const now = useNow(1000);
  return <span className="thinking-seconds">{Math.max(0, Math.round((now - since) / 1000))} s</span>;
}

export const ThinkingSection = memo(ThinkingSectionView);
