use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use bailian::{ApiKey, Client, ClientConfig, RateLimiter};
use bailian_emulator::{DEFAULT_API_KEY, EmulatorConfig, RunningEmulator};
use desk_store::{Conversation, Message, Store};
use serde::Serialize;
use tokio::sync::Notify;

use crate::config::DeskConfig;
use crate::error::{DeskError, ErrorCode};

/// Models offered before the model registry exists; the demo offers what the emulator answers.
const LIVE_MODELS: &[&str] = &[
    "qwen-plus",
    "qwen-max",
    "qwen-turbo",
    "qwen-flash",
    "qwen3-max",
    "qwq-plus",
];

/// How fast the demo streams: slow enough that a person sees tokens arrive.
const DEMO_TOKEN_DELAY: Duration = Duration::from_millis(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppMode {
    /// Talking to Bailian with the user's key.
    Live,
    /// Talking to the bundled emulator; every reply is labelled as a demo.
    Demo,
    /// No key configured yet.
    NeedsSetup,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub mode: AppMode,
    pub base_url: Option<String>,
    pub default_model: String,
    pub models: Vec<String>,
    pub data_dir: String,
    /// Why the automatic backup failed when the app opened, if it did.
    pub backup_problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationView {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

/// Where replies come from right now.
#[derive(Debug)]
struct Backend {
    mode: AppMode,
    client: Option<Client>,
    /// Kept alive while the demo runs; dropping it stops the server.
    _emulator: Option<RunningEmulator>,
}

/// A cloneable handle on the backend for one request, taken without holding the lock across awaits.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub client: Client,
    pub demo: bool,
}

#[derive(Debug)]
pub struct Desk {
    config: DeskConfig,
    /// Shared with the tasks that outlive a call (live recognition records its ledger row when the
    /// session ends, not when a command returns).
    store: Arc<Mutex<Store>>,
    backend: RwLock<Backend>,
    /// Paces every request of this app per model; Bailian's limits are per account.
    limiter: Arc<RateLimiter>,
    backup_problem: Option<String>,
    /// Replies being streamed, by assistant message id, with the signal that stops each.
    in_flight: Mutex<HashMap<String, Arc<Notify>>>,
    /// The credential store for keys set in the app (`keys`).
    keys: crate::keys::Keys,
    /// Live recognition sessions and the transcription jobs being followed (`live`, `transcriptions`).
    speech: crate::live::SpeechState,
}

fn client_config(
    config: &DeskConfig,
    base_url: String,
    key: ApiKey,
    limiter: &Arc<RateLimiter>,
) -> ClientConfig {
    let mut client = ClientConfig::new(base_url, key);
    client.retry = config.retry.clone();
    client.workspace = config.workspace.clone();
    client.limiter = Some(Arc::clone(limiter));
    client
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Desk {
    pub fn open(config: DeskConfig) -> Result<Self, DeskError> {
        let mut config = config;
        let store = Store::open(&config.database_path())?;
        crate::endpoint::apply_stored_choice(&mut config, &store);
        // A failed backup must not keep the user from their history, but must not go unnoticed.
        let backup_problem =
            crate::backups::ensure_recent(&store, &config, crate::backups::AUTOMATIC_INTERVAL)
                .err()
                .map(|error| {
                    tracing::error!(%error, "automatic backup failed");
                    error.message
                });
        let limiter = Arc::new(RateLimiter::new());
        let keys = crate::keys::Keys::open(&config.vault, config.key_profile.as_deref());
        let key = config
            .api_key
            .clone()
            .or_else(|| keys.key(&config.key_slot));
        let backend = match &key {
            Some(key) => Backend {
                mode: AppMode::Live,
                client: Some(Client::new(client_config(
                    &config,
                    config.base_url.clone(),
                    key.clone(),
                    &limiter,
                ))?),
                _emulator: None,
            },
            None => Backend {
                mode: AppMode::NeedsSetup,
                client: None,
                _emulator: None,
            },
        };
        tracing::info!(home = %config.home.display(), mode = ?backend.mode, "desk opened");
        Ok(Self {
            config,
            store: Arc::new(Mutex::new(store)),
            backend: RwLock::new(backend),
            limiter,
            in_flight: Mutex::new(HashMap::new()),
            keys,
            backup_problem,
            speech: crate::live::SpeechState::default(),
        })
    }

    pub(crate) fn keys(&self) -> &crate::keys::Keys {
        &self.keys
    }

    /// Goes live with `key`, or back to needing setup without one; the demo ends either way.
    pub(crate) fn use_key(&self, key: Option<ApiKey>) -> Result<(), DeskError> {
        let backend = match key {
            Some(key) => Backend {
                mode: AppMode::Live,
                client: Some(Client::new(client_config(
                    &self.config,
                    self.config.base_url.clone(),
                    key,
                    &self.limiter,
                ))?),
                _emulator: None,
            },
            None => Backend {
                mode: AppMode::NeedsSetup,
                client: None,
                _emulator: None,
            },
        };
        tracing::info!(mode = ?backend.mode, "API key changed");
        *self.backend.write().unwrap_or_else(|p| p.into_inner()) = backend;
        Ok(())
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// The store for a task that outlives the call which started it.
    pub(crate) fn shared_store(&self) -> Arc<Mutex<Store>> {
        Arc::clone(&self.store)
    }

    pub(crate) fn speech_state(&self) -> &crate::live::SpeechState {
        &self.speech
    }

    pub fn status(&self) -> AppStatus {
        let backend = self.backend.read().unwrap_or_else(|p| p.into_inner());
        let models: &[&str] = match backend.mode {
            AppMode::Demo => bailian_emulator::CHAT_MODELS,
            _ => LIVE_MODELS,
        };
        AppStatus {
            mode: backend.mode,
            base_url: backend.client.as_ref().map(|c| c.base_url().to_owned()),
            default_model: self.config.default_model.clone(),
            models: models.iter().map(|m| (*m).to_owned()).collect(),
            data_dir: self.config.home.display().to_string(),
            backup_problem: self.backup_problem.clone(),
        }
    }

    /// Starts the bundled emulator on loopback and sends every later request to it.
    pub async fn start_demo(&self) -> Result<AppStatus, DeskError> {
        if self.status().mode == AppMode::Demo {
            return Ok(self.status());
        }
        let emulator = RunningEmulator::start(
            EmulatorConfig {
                token_delay: DEMO_TOKEN_DELAY,
                ..EmulatorConfig::default()
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .map_err(|e| {
            DeskError::new(
                ErrorCode::DemoUnavailable,
                format!("cannot start the offline demo: {e}"),
            )
        })?;
        let key = ApiKey::new(DEFAULT_API_KEY)
            .ok_or_else(|| DeskError::new(ErrorCode::Internal, "empty demo key"))?;
        let client = Client::new(client_config(
            &self.config,
            emulator.base_url(),
            key,
            &self.limiter,
        ))?;
        tracing::info!(addr = %emulator.addr(), "offline demo started");
        {
            let mut backend = self.backend.write().unwrap_or_else(|p| p.into_inner());
            *backend = Backend {
                mode: AppMode::Demo,
                client: Some(client),
                _emulator: Some(emulator),
            };
        }
        Ok(self.status())
    }

    pub(crate) fn connection(&self) -> Result<Connection, DeskError> {
        let backend = self.backend.read().unwrap_or_else(|p| p.into_inner());
        match &backend.client {
            Some(client) => Ok(Connection {
                client: client.clone(),
                demo: backend.mode == AppMode::Demo,
            }),
            None => Err(DeskError::new(
                ErrorCode::MissingApiKey,
                format!(
                    "no DashScope API key is configured; set {} or start the offline demo",
                    crate::ENV_API_KEY
                ),
            )),
        }
    }

    /// The models this key can use: the server's listing merged with the registry's knowledge of
    /// each (capabilities, limits, price with its date).
    pub async fn models(&self) -> Result<Vec<bailian::ModelInfo>, DeskError> {
        let connection = self.connection()?;
        let ids = connection.client.list_models().await?;
        Ok(bailian::registry::merge_listing(&ids))
    }

    /// Embeds texts (default `text-embedding-v4`), for semantic search and for scripts.
    pub async fn embed(
        &self,
        texts: Vec<String>,
        model: Option<&str>,
        dimension: Option<u32>,
    ) -> Result<bailian::Embeddings, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let mut request =
            bailian::EmbeddingRequest::new(model.unwrap_or("text-embedding-v4"), texts);
        request.dimension = dimension;
        let started = std::time::Instant::now();
        let result = connection
            .client
            .embed(&request)
            .await
            .map_err(DeskError::from);
        let tokens = result.as_ref().map(|e| Some(e.total_tokens));
        let kind = desk_store::UsageKind::Embedding;
        self.record_call(kind, &request.model, "tokens", started, tokens);
        result
    }

    /// The active conversations (neither archived nor in the trash); see
    /// [`Desk::list_conversations_in`].
    pub fn list_conversations(&self) -> Result<Vec<Conversation>, DeskError> {
        self.list_conversations_in(desk_store::ConversationScope::Active)
    }

    pub fn conversation(&self, id: &str) -> Result<ConversationView, DeskError> {
        let store = self.store();
        let conversation = store.conversation(id)?;
        let messages = store.messages(id)?;
        Ok(ConversationView {
            conversation,
            messages,
        })
    }

    /// Stops the reply being streamed into `assistant_message_id`. Stopping a reply that has just
    /// finished is not an error: the two can cross.
    pub fn stop_stream(&self, assistant_message_id: &str) {
        if let Some(signal) = lock(&self.in_flight).get(assistant_message_id) {
            signal.notify_one();
        }
    }

    pub(crate) fn register_stream(&self, assistant_message_id: &str) -> Arc<Notify> {
        let signal = Arc::new(Notify::new());
        lock(&self.in_flight).insert(assistant_message_id.to_owned(), Arc::clone(&signal));
        signal
    }

    pub(crate) fn unregister_stream(&self, assistant_message_id: &str) {
        lock(&self.in_flight).remove(assistant_message_id);
    }
}
