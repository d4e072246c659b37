import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { search, semanticSearch } from '../api/desk';
import type { DeskError, SearchHit, SemanticHit } from '../api/types';
import { formatRelativeTime } from '../format/relativeTime';
import { snippetParts } from '../format/snippet';
import { useNow } from '../state/useNow';
import { Dialog } from './Dialog';
import { ErrorExplanation } from './ErrorExplanation';
import { SearchIcon } from './icons';
import { SemanticIndex } from './search/SemanticIndex';
import './search/search.css';

interface Props {
  onClose: () => void;
  onPick: (hit: SearchHit) => void;
  notify: (error: DeskError) => void;
}

const DEBOUNCE_MS = 150;
// Each search by meaning is a (small) paid embedding call: wait for a pause in the typing.
const SEMANTIC_DEBOUNCE_MS = 450;
const LIMIT = 40;
const SEMANTIC_LIMIT = 20;

export type SearchMode = 'exact' | 'meaning';
const MODES: SearchMode[] = ['exact', 'meaning'];

// The mode chosen last, for the next time the palette opens.
let lastMode: SearchMode = 'exact';
function rememberMode(mode: SearchMode) {
  lastMode = mode;
}

type Hit = SearchHit | SemanticHit;

interface Answer {
  mode: SearchMode;
  query: string;
  hits: Hit[];
  error: DeskError | null;
}

/** Similarity as people read it: the cosine's share of a perfect match. */
function similarityPercent(score: number): number {
  return Math.round(Math.max(0, Math.min(1, score)) * 100);
}

/** Searches every conversation as you type, word for word or by meaning; picking a hit opens it
 * at that message. */
export function SearchPalette({ onClose, onPick, notify }: Props) {
  const { t, i18n } = useTranslation();
  const listId = useId();
  const now = useNow(60_000);
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>(lastMode);
  // Answers are kept with the query (and mode) they answer: a slow, older answer never shows for a newer query.
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [active, setActive] = useState(0);
  // Bumped after indexing, so the same query by meaning is asked again.
  const [indexRevision, setIndexRevision] = useState(0);

  const trimmed = query.trim();
  useEffect(() => {
    if (trimmed === '') return;
    let current = true;
    const meaning = mode === 'meaning';
    const timer = setTimeout(
      () => {
        const request: Promise<Hit[]> = meaning ? semanticSearch(trimmed, SEMANTIC_LIMIT) : search(trimmed, LIMIT);
        request.then(
          (hits) => current && setAnswer({ mode, query: trimmed, hits, error: null }),
          (error: DeskError) => {
            if (!current) return;
            // By meaning, the palette itself says why (no key, nothing indexed…); a plain search
            // failing is the app's problem, told in a toast.
            if (!meaning) notify(error);
            setAnswer({ mode, query: trimmed, hits: [], error: meaning ? error : null });
          },
        );
      },
      meaning ? SEMANTIC_DEBOUNCE_MS : DEBOUNCE_MS,
    );
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [trimmed, mode, notify, indexRevision]);

  const answered = answer !== null && answer.query === trimmed && answer.mode === mode;
  const hits = answered ? answer.hits : [];
  const searching = trimmed !== '' && !answered;
  const failure = answered ? answer.error : null;

  const chooseMode = (next: SearchMode) => {
    rememberMode(next);
    setMode(next);
    setActive(0);
  };
  const selected = Math.min(active, Math.max(hits.length - 1, 0));

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (hits.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((selected + step + hits.length) % hits.length);
    } else if (event.key === 'Enter' && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (hits[selected]) onPick(hits[selected]);
    }
  };

  let status: string | null = null;
  if (trimmed === '') status = mode === 'meaning' ? t('semantic.hint') : t('search.hint');
  else if (searching) status = t('search.searching');
  else if (failure) status = null;
  else if (hits.length === 0) status = t('search.noResults', { query: trimmed });

  return (
    <Dialog label={t('search.title')} onClose={onClose} className="search-dialog" testId="search-palette">
      <div className="search-field">
        <SearchIcon size={18} />
        <input
          data-autofocus
          className="search-input"
          data-testid="search-input"
          type="search"
          role="combobox"
          aria-label={t('search.title')}
          aria-expanded={hits.length > 0}
          aria-controls={listId}
          aria-activedescendant={hits.length > 0 ? `${listId}-${selected}` : undefined}
          placeholder={t('search.placeholder')}
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <div className="search-modes" role="radiogroup" aria-label={t('semantic.modeLabel')} data-testid="search-modes">
          {MODES.map((m) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={mode === m}
              data-testid={`search-mode-${m}`}
              onClick={() => chooseMode(m)}
            >
              {t(`semantic.mode.${m}`)}
            </button>
          ))}
        </div>
      </div>
      {status ? (
        <p className="search-status" role="status">
          {status}
        </p>
      ) : null}
      {failure ? (
        <div className="search-status" role="alert" data-testid="semantic-search-error">
          <ErrorExplanation code={failure.code} detail={failure.message} requestId={failure.requestId} />
        </div>
      ) : null}
      <ul id={listId} className="search-results" role="listbox" aria-label={t('search.results')}>
        {hits.map((hit, i) => (
          <li
            key={hit.messageId}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === selected}
            className="search-hit"
            data-testid="search-hit"
            onMouseEnter={() => setActive(i)}
            onClick={() => onPick(hit)}
          >
            <div className="search-hit-head">
              <span className="search-hit-title">{hit.conversationTitle}</span>
              {'score' in hit ? (
                <span
                  className="search-similarity"
                  data-testid="search-similarity"
                  aria-label={t('semantic.similarity', { percent: similarityPercent(hit.score) })}
                  title={t('semantic.similarity', { percent: similarityPercent(hit.score) })}
                >
                  <span className="search-similarity-bar" aria-hidden="true">
                    <span style={{ width: `${similarityPercent(hit.score)}%` }} />
                  </span>
                  <span aria-hidden="true">{similarityPercent(hit.score)}%</span>
                </span>
              ) : null}
              <span className="search-hit-meta">
                {t(`message.role.${hit.role}`)} · {formatRelativeTime(hit.createdAt, now, i18n.language, t('time.justNow'))}
              </span>
            </div>
            <p className="search-hit-snippet">
              {snippetParts(hit.snippet).map((part, j) =>
                part.match ? <mark key={j}>{part.text}</mark> : <span key={j}>{part.text}</span>,
              )}
            </p>
          </li>
        ))}
      </ul>
      {mode === 'meaning' ? <SemanticIndex compact onIndexed={() => setIndexRevision((n) => n + 1)} /> : null}
    </Dialog>
  );
}
