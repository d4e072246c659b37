import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { SearchSource, ToolCall } from '../api/types';

/** The web pages a searching model read (or the documents an assistant used), numbered as it
 * cites them. */
export const SearchSources = memo(function SearchSources({ sources, documents = false }: { sources: SearchSource[]; documents?: boolean }) {
  const { t } = useTranslation();
  return (
    <details className="sources" data-testid="search-sources">
      <summary>{documents ? t('message.documents', { count: sources.length }) : t('message.sources', { count: sources.length })}</summary>
      <ol className="sources-list">
        {sources.map((source) => (
          <li key={`${source.index}-${source.url}`} value={source.index}>
            <a href={safeUrl(source.url)} target="_blank" rel="noopener noreferrer" title={source.url}>
              {source.title || source.url}
            </a>
            {source.siteName ? <span className="source-site"> · {source.siteName}</span> : null}
          </li>
        ))}
      </ol>
    </details>
  );
});

/** Functions the model asked to call, with their arguments (pretty-printed when JSON). */
export const ToolCalls = memo(function ToolCalls({ calls }: { calls: ToolCall[] }) {
  const { t } = useTranslation();
  return (
    <details className="tool-calls" data-testid="tool-calls">
      <summary>{t('message.toolCalls', { count: calls.length })}</summary>
      {calls.map((call) => (
        <div key={call.id} className="tool-call">
          <code className="tool-name">{call.name}</code>
          <pre className="tool-arguments">{prettyJson(call.arguments)}</pre>
        </div>
      ))}
    </details>
  );
});

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Only web links: a search result is outside data, and `javascript:` must never be clickable. */
function safeUrl(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}
