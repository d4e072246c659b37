//! Adapting a request to its model's rules before anything is sent, so a request the registry
//! knows will fail is refused locally (no money spent) and the rest are built as each model needs.

use crate::chat::{ChatMessage, ChatRequest, Role};
use crate::error::Error;
use crate::registry::{ChatEndpoint, Modality, ModelInfo, ModelKind, Thinking};

/// A request ready for the wire.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub request: ChatRequest,
    pub endpoint: ChatEndpoint,
    /// Whether it must go out as a stream even if the caller wants one whole reply.
    pub stream: bool,
}

fn refuse(message: String) -> Error {
    Error::InvalidRequest(message)
}

/// Checks `request` against `info` and fills in what the model requires. `want_stream` is the
/// caller's choice; a stream-only or thinking request is streamed regardless.
pub fn prepare(
    mut request: ChatRequest,
    info: &ModelInfo,
    want_stream: bool,
) -> Result<Prepared, Error> {
    let model = &info.id;
    if info.kind != ModelKind::Chat {
        return Err(refuse(format!("{model} is not a chat model")));
    }
    if request
        .messages
        .iter()
        .all(|m| m.content.trim().is_empty() && m.images.is_empty() && m.video_frames.is_empty())
    {
        return Err(refuse("the conversation has no content".into()));
    }
    let has_images = request.messages.iter().any(|m| !m.images.is_empty());
    let has_video = request.messages.iter().any(|m| !m.video_frames.is_empty());
    if has_images && !info.accepts(Modality::Image) {
        return Err(refuse(format!(
            "{model} does not accept images; choose a vision model such as qwen-vl-plus"
        )));
    }
    if has_video && !info.accepts(Modality::Video) {
        return Err(refuse(format!("{model} does not accept video")));
    }
    let p = &mut request.parameters;
    if p.enable_search == Some(true) && !info.search && info.known {
        return Err(refuse(format!("{model} cannot search the web")));
    }
    if !p.tools.is_empty() && !info.tools && info.known {
        return Err(refuse(format!("{model} cannot call tools")));
    }
    if p.json_output {
        let mentions_json = request
            .messages
            .iter()
            .any(|m| m.content.to_ascii_lowercase().contains("json"));
        // DashScope refuses JSON mode unless the prompt asks for JSON.
        if !mentions_json {
            return Err(refuse(
                "JSON output needs the word \"JSON\" in the prompt or system message".into(),
            ));
        }
    }
    if let Some(max) = p.max_tokens
        && info.max_output_tokens > 0
        && max > info.max_output_tokens
    {
        return Err(refuse(format!(
            "{model} writes at most {} tokens; asked for {max}",
            info.max_output_tokens
        )));
    }

    let mut stream = want_stream || info.stream_only;
    match info.thinking {
        Thinking::Unsupported => {
            if p.enable_thinking == Some(true) {
                return Err(refuse(format!("{model} has no thinking mode")));
            }
            p.enable_thinking = None;
            p.thinking_budget = None;
        }
        Thinking::Required => {
            p.enable_thinking = None;
            stream = true;
        }
        Thinking::Optional { default_on } => {
            let on = p.enable_thinking.unwrap_or(default_on);
            if on {
                // Thinking needs incremental streaming (reference §2.1).
                stream = true;
                p.enable_thinking = Some(true);
            } else {
                p.enable_thinking = Some(false);
                p.thinking_budget = None;
            }
        }
    }

    if info.single_turn {
        request.messages = single_turn(request.messages);
    }
    Ok(Prepared {
        endpoint: if request.has_media() {
            ChatEndpoint::MultimodalGeneration
        } else {
            info.endpoint
        },
        request,
        stream,
    })
}

/// System messages and the last user turn: what a single-turn model (QVQ) accepts.
fn single_turn(messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
    let last_user = messages.iter().rposition(|m| m.role() == Role::User);
    messages
        .into_iter()
        .enumerate()
        .filter(|(i, m)| m.role() == Role::System || Some(*i) == last_user)
        .map(|(_, m)| m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::lookup;

    fn ask(model: &str, text: &str) -> ChatRequest {
        ChatRequest::new(model, vec![ChatMessage::new(Role::User, text)])
    }

    #[test]
    fn stream_only_and_thinking_models_are_streamed() {
        assert!(
            prepare(ask("qwq-plus", "hi"), &lookup("qwq-plus"), false)
                .expect("ok")
                .stream
        );
        let mut thinking = ask("qwen-plus", "hi");
        thinking.parameters.enable_thinking = Some(true);
        let prepared = prepare(thinking, &lookup("qwen-plus"), false).expect("ok");
        assert!(prepared.stream);
        assert_eq!(prepared.request.parameters.enable_thinking, Some(true));
    }

    #[test]
    fn default_on_thinking_is_switched_off_explicitly_for_whole_replies() {
        let prepared = prepare(ask("qwen3-32b", "hi"), &lookup("qwen3-32b"), false);
        let prepared = prepared.expect("ok");
        assert_eq!(
            prepared.request.parameters.enable_thinking,
            Some(true),
            "default on → streamed with thinking"
        );
        let mut off = ask("qwen3-32b", "hi");
        off.parameters.enable_thinking = Some(false);
        let prepared = prepare(off, &lookup("qwen3-32b"), false).expect("ok");
        assert_eq!(
            (prepared.stream, prepared.request.parameters.enable_thinking),
            (false, Some(false))
        );
        let plain = prepare(ask("qwen-max", "hi"), &lookup("qwen-max"), false).expect("ok");
        assert_eq!(
            plain.request.parameters.enable_thinking, None,
            "not sent to models without thinking"
        );
    }

    #[test]
    fn refused_before_sending() {
        let image = ChatRequest::new(
            "qwen-plus",
            vec![
                ChatMessage::new(Role::User, "what?")
                    .with_images(vec!["data:image/png;base64,AA".into()]),
            ],
        );
        assert!(matches!(
            prepare(image, &lookup("qwen-plus"), true),
            Err(Error::InvalidRequest(_))
        ));
        let mut json = ask("qwen-plus", "hello");
        json.parameters.json_output = true;
        assert!(prepare(json, &lookup("qwen-plus"), true).is_err());
        let mut think = ask("qwen-max", "x");
        think.parameters.enable_thinking = Some(true);
        assert!(prepare(think, &lookup("qwen-max"), true).is_err());
        let mut long = ask("qwen-plus", "x");
        long.parameters.max_tokens = Some(1_000_000);
        assert!(prepare(long, &lookup("qwen-plus"), true).is_err());
        assert!(
            prepare(
                ask("text-embedding-v4", "x"),
                &lookup("text-embedding-v4"),
                true
            )
            .is_err()
        );
        assert!(prepare(ask("qwen-plus", "  "), &lookup("qwen-plus"), true).is_err());
    }

    #[test]
    fn vision_goes_to_the_multimodal_endpoint_and_qvq_is_single_turn() {
        let messages = vec![
            ChatMessage::new(Role::System, "be brief"),
            ChatMessage::new(Role::User, "first"),
            ChatMessage::new(Role::Assistant, "ok"),
            ChatMessage::new(Role::User, "second").with_images(vec!["https://x/y.png".into()]),
        ];
        let prepared = prepare(
            ChatRequest::new("qvq-max", messages),
            &lookup("qvq-max"),
            false,
        )
        .expect("ok");
        assert_eq!(prepared.endpoint, ChatEndpoint::MultimodalGeneration);
        let contents: Vec<&str> = prepared
            .request
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect();
        assert_eq!(contents, vec!["be brief", "second"]);
        assert!(prepared.stream);
    }
}
