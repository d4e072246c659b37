//! Bailian Apps: agents and workflows built in the console, called by `app_id`
//! (`POST /api/v1/apps/{app_id}/completion`; shapes from the official SDK's
//! `dashscope/app/application.py` and `application_response.py`). Multi-turn goes through the
//! `session_id` the app returns; thoughts and document references are kept.

use serde_json::{Value, json};

use crate::chat::ChatResponse;
use crate::client::{ChatStream, Client, Transport};
use crate::error::{Error, Result};
use crate::retry::RetryNotice;
use crate::tools::ToolCallAssembler;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppRequest {
    pub app_id: String,
    pub prompt: String,
    /// Continue this conversation with the app.
    pub session_id: Option<String>,
    /// Ask for the agent's planning steps and retrieval results.
    pub has_thoughts: bool,
    /// Parameters for the app's workflow or plugins.
    pub biz_params: Option<Value>,
}

impl AppRequest {
    fn validate(&self) -> Result<()> {
        let id = self.app_id.trim();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::InvalidRequest(format!(
                "{:?} is not an app id",
                self.app_id
            )));
        }
        if self.prompt.trim().is_empty() {
            return Err(Error::InvalidRequest("the prompt is empty".into()));
        }
        Ok(())
    }

    fn body(&self) -> Value {
        let mut input = json!({ "prompt": self.prompt });
        if let Some(session) = &self.session_id {
            input["session_id"] = json!(session);
        }
        if let Some(params) = &self.biz_params {
            input["biz_params"] = params.clone();
        }
        json!({
            "input": input,
            "parameters": { "has_thoughts": self.has_thoughts, "incremental_output": true },
            "debug": {},
        })
    }
}

impl Client {
    /// Streams an app's answer; the chunks carry `session_id`, thoughts and references too.
    pub async fn app_stream(&self, request: &AppRequest) -> Result<ChatStream> {
        self.app_stream_observed(request, |_| {}).await
    }

    /// [`Client::app_stream`], telling `on_retry` about each retry made before the first event.
    pub async fn app_stream_observed(
        &self,
        request: &AppRequest,
        on_retry: impl FnMut(&RetryNotice),
    ) -> Result<ChatStream> {
        request.validate()?;
        let url = format!(
            "{}/api/v1/apps/{}/completion",
            self.base_url(),
            request.app_id.trim()
        );
        let body = request.body();
        // Apps speak the native protocol whatever transport chat uses.
        self.with_retries(on_retry, || {
            self.open_stream_with(&url, &body, Transport::Native)
        })
        .await
    }

    /// An app's whole answer (streamed and assembled).
    pub async fn app_call(&self, request: &AppRequest) -> Result<ChatResponse> {
        let mut stream = self.app_stream(request).await?;
        let mut response = ChatResponse::default();
        let mut tools = ToolCallAssembler::default();
        while let Some(chunk) = stream.next().await {
            response.accumulate(chunk?, &mut tools);
        }
        Ok(response)
    }
}
