import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { createProfile, deviceStatus, removeProfile, setIdleLock } from '../../api/desk';
import type { DeskError } from '../../api/types';
import type { SessionControl } from '../../state/sessionContext';
import { ConfirmAction } from '../common/ConfirmAction';
import { formatDate } from '../common/format';
import { Notice, Problem, Section } from '../common/ui';
import { PasswordFields, usePasswordFields, type PasswordProblem } from './PasswordFields';

const IDLE_CHOICES = [1, 5, 10, 15, 30, 60, 240];

/** Admin only: who may use this device, and how soon it locks. */
export function ProfilesAdmin({ control, notify }: { control: SessionControl; notify: (error: DeskError) => void }) {
  const { t, i18n } = useTranslation();
  const { device, session } = control;
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const idleChoices = IDLE_CHOICES.includes(device.idleLockMinutes) ? IDLE_CHOICES : [...IDLE_CHOICES, device.idleLockMinutes].sort((a, b) => a - b);

  const reload = async () => control.setDevice(await deviceStatus());

  const remove = async (profileId: string) => {
    try {
      await removeProfile(profileId);
      await reload();
    } catch (error) {
      notify(error as DeskError);
    }
  };

  const changeIdle = async (minutes: number) => {
    try {
      control.setDevice(await setIdleLock(minutes));
    } catch (error) {
      notify(error as DeskError);
    }
  };

  return (
    <Section id="profiles" title={t('settings.profiles.title')} description={t('settings.profiles.description')}>
      <ul className="sc-list" data-testid="profile-list">
        {device.profiles.map((p) => (
          <li key={p.id} className="sc-list-item" data-testid="profile-row">
            <span className="sc-avatar sc-avatar--small" aria-hidden="true">
              {p.name.slice(0, 1).toUpperCase()}
            </span>
            <div className="sc-list-main">
              <p className="sc-strong">
                {p.name}
                {p.id === session.profile.id ? <span className="sc-chip">{t('settings.profiles.you')}</span> : null}
              </p>
              <p className="sc-fine">
                {t(`profiles.role.${p.role}`)} · {t('settings.profiles.since', { date: formatDate(p.createdAt, i18n.language) })}
              </p>
            </div>
            {p.id !== session.profile.id ? (
              <ConfirmAction
                label={t('settings.profiles.remove')}
                confirmLabel={t('settings.profiles.removeConfirm', { name: p.name })}
                danger
                testId="remove-profile"
                warning={
                  <>
                    <p className="sc-strong">{t('settings.profiles.removeTitle', { name: p.name })}</p>
                    <p>{t('settings.profiles.removeWarning')}</p>
                  </>
                }
                onConfirm={() => remove(p.id)}
              />
            ) : null}
          </li>
        ))}
      </ul>
      {added ? <Notice tone="ok">{t('settings.profiles.added', { name: added })}</Notice> : null}
      {adding ? (
        <AddProfileForm
          onAdded={async (name) => {
            setAdding(false);
            setAdded(name);
            await reload();
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <button type="button" className="sc-button" data-testid="add-profile" onClick={() => { setAdded(null); setAdding(true); }}>
          {t('settings.profiles.add')}
        </button>
      )}
      <label className="sc-field sc-field--inline">
        <span>{t('settings.profiles.idleLock')}</span>
        <select value={device.idleLockMinutes} data-testid="idle-lock" onChange={(e) => void changeIdle(Number(e.target.value))}>
          {idleChoices.map((m) => (
            <option key={m} value={m}>
              {t('settings.profiles.minutes', { count: m })}
            </option>
          ))}
        </select>
      </label>
    </Section>
  );
}

function AddProfileForm({ onAdded, onCancel }: { onAdded: (name: string) => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [first, second, fields] = usePasswordFields();
  const [problem, setProblem] = useState<PasswordProblem>(null);
  const [error, setError] = useState<DeskError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { password, problem: found } = fields.take();
    setProblem(found);
    if (found) return;
    setBusy(true);
    setError(null);
    try {
      // The new profile's session is not ours: it is dropped, and its owner signs in later.
      await createProfile(name.trim(), password);
      await onAdded(name.trim());
    } catch (reason) {
      setError(reason as DeskError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="sc-form" onSubmit={(e) => void submit(e)} data-testid="add-profile-form">
      <label className="sc-field">
        <span>{t('onboarding.profile.name')}</span>
        <input type="text" value={name} required maxLength={60} autoComplete="off" onChange={(e) => setName(e.target.value)} data-testid="new-profile-name" />
      </label>
      <PasswordFields first={first} second={second} problem={problem} onInput={() => setProblem(null)} testIdPrefix="new-profile" />
      <p className="sc-fine">{t('settings.profiles.addHint')}</p>
      {error ? <Problem error={error} /> : null}
      <div className="sc-actions">
        <button type="submit" className="primary-button" disabled={busy || name.trim() === ''} data-testid="new-profile-create">
          {t('settings.profiles.create')}
        </button>
        <button type="button" className="sc-button" onClick={onCancel}>
          {t('settings.cancel')}
        </button>
      </div>
    </form>
  );
}
