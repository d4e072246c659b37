//! Adapting a request to its model's rules before anything is sent, so a request the registry
//! knows will fail is refused locally (no money spent) and the rest are built as each model needs.

use crate::chat::{ChatMessage, ChatRequest, Role};
use crate::error::Error;
use crate::limiter::estimate_tokens;
use crate::registry::{ChatEndpoint, Modality, ModelInfo, ModelKind, Thinking};

/// A request ready for the wire.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub request: ChatRequest,
    pub endpoint: ChatEndpoint,
    /// Whether it must go out as a stream even if the caller wants one whole reply.
    pub stream: bool,
    /// How many of the oldest messages were left out to fit the model's context window.
    pub left_out: usize,
}

/// What an image or a video frame is counted as: Qwen-VL's default cap per image.
const MEDIA_TOKENS: u64 = 1_280;
/// What a message adds beyond its text (its role and the framing around it).
const MESSAGE_TOKENS: u64 = 4;

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
    let left_out = fit_to_context(&mut request, info);
    Ok(Prepared {
        endpoint: if request.has_media() {
            ChatEndpoint::MultimodalGeneration
        } else {
            info.endpoint
        },
        request,
        stream,
        left_out,
    })
}

/// Leaves out the oldest turns of `request` that do not fit in `info`'s context window beside
/// the reply it may write (`max_tokens`, or the model's most), as [`prepare`] does. Public so a
/// caller can fit a request before filling in what is costly to load: an image counts the same
/// whatever its data, so a request whose images are still placeholders fits exactly as the full
/// one will. Returns how many messages were left out; doing it again leaves out nothing more.
pub fn fit_to_context(request: &mut ChatRequest, info: &ModelInfo) -> usize {
    let reply_tokens = request
        .parameters
        .max_tokens
        .unwrap_or(info.max_output_tokens);
    let budget = u64::from(info.max_context_tokens).saturating_sub(u64::from(reply_tokens));
    let left_out = fit_context(&mut request.messages, budget);
    if left_out > 0 {
        tracing::info!(model = %info.id, left_out, kept = request.messages.len(), "the oldest messages were left out to fit the model's context window");
    }
    left_out
}

fn message_tokens(message: &ChatMessage) -> u64 {
    let calls: u64 = message
        .tool_calls
        .iter()
        .map(|call| estimate_tokens(&call.name) + estimate_tokens(&call.arguments))
        .sum();
    let media = (message.images.len() + message.video_frames.len()) as u64;
    estimate_tokens(&message.content) + calls + media * MEDIA_TOKENS + MESSAGE_TOKENS
}

/// Leaves out the oldest turns that do not fit in `budget` tokens (the estimate is deliberately
/// high, so what is sent fits): a long thread would otherwise be refused by the API as a whole
/// ("Range of input length…"). System messages and the newest message always stay, and what is
/// kept starts at a user turn, so no reply or tool result is sent without what it answers. When
/// even that tail is over the budget it is sent as it is, and the API's refusal is the answer.
/// Returns how many messages were left out.
fn fit_context(messages: &mut Vec<ChatMessage>, budget: u64) -> usize {
    let total: u64 = messages.iter().map(message_tokens).sum();
    if total <= budget || messages.len() < 2 {
        return 0;
    }
    let system: u64 = messages
        .iter()
        .filter(|m| m.role() == Role::System)
        .map(message_tokens)
        .sum();
    let newest = messages.len() - 1;
    // The oldest index from which every non-system message fits beside the system ones.
    let mut first_kept = newest;
    let mut used = system + message_tokens(&messages[newest]);
    while first_kept > 0 {
        let candidate = &messages[first_kept - 1];
        let cost = if candidate.role() == Role::System {
            0
        } else {
            message_tokens(candidate)
        };
        if used + cost > budget {
            break;
        }
        used += cost;
        first_kept -= 1;
    }
    let is_user = |m: &ChatMessage| m.role() == Role::User;
    let start = match messages[first_kept..].iter().position(is_user) {
        Some(offset) => first_kept + offset,
        // Only the answer to the last user turn fits: keep that turn too, over the budget.
        None => messages[..first_kept]
            .iter()
            .rposition(is_user)
            .unwrap_or(first_kept),
    };
    let before = messages.len();
    let mut index = 0;
    messages.retain(|m| {
        let keep = index >= start || m.role() == Role::System;
        index += 1;
        keep
    });
    before - messages.len()
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

    /// A thread of `turns` user/assistant pairs after a system prompt, each ~600 estimated tokens.
    fn long_thread(model: &str, turns: usize) -> ChatRequest {
        let mut messages = vec![ChatMessage::new(Role::System, "be brief")];
        for i in 0..turns {
            messages.push(ChatMessage::new(
                Role::User,
                format!("question {i} {}", "q".repeat(1_800)),
            ));
            messages.push(ChatMessage::new(
                Role::Assistant,
                format!("answer {i} {}", "a".repeat(1_800)),
            ));
        }
        messages.push(ChatMessage::new(Role::User, "the newest question"));
        ChatRequest::new(model, messages)
    }

    fn tokens_of(request: &ChatRequest) -> u64 {
        request.messages.iter().map(message_tokens).sum()
    }

    #[test]
    fn a_thread_longer_than_the_context_keeps_its_newest_turns_that_fit() {
        // qwen-max: 32,768 tokens of context, 8,192 of them kept for the reply.
        let info = lookup("qwen-max");
        let request = long_thread("qwen-max", 200);
        let total = request.messages.len();
        assert!(tokens_of(&request) > 200_000);
        let prepared = prepare(request, &info, true).expect("ok");
        let kept = &prepared.request.messages;
        assert!(prepared.left_out > 300, "left out {}", prepared.left_out);
        assert_eq!(kept.len() + prepared.left_out, total);
        assert!(tokens_of(&prepared.request) <= 32_768 - 8_192);
        // A turn more would not have fitted: no more was left out than needed.
        assert!(tokens_of(&prepared.request) + 2 * 610 > 32_768 - 8_192);
        assert_eq!(kept[0].content, "be brief");
        assert_eq!(kept[1].role(), Role::User);
        assert_eq!(
            kept.last().map(|m| m.content.as_str()),
            Some("the newest question")
        );
        // The newest turns, in order, with nothing skipped between them.
        let first = kept[1]
            .content
            .split(' ')
            .nth(1)
            .and_then(|n| n.parse::<usize>().ok());
        let first = first.expect("a numbered question");
        let expected: Vec<String> = (first..200)
            .flat_map(|i| [format!("question {i}"), format!("answer {i}")])
            .collect();
        let got: Vec<String> = kept[1..kept.len() - 1]
            .iter()
            .map(|m| m.content.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(got, expected);

        // A smaller reply asked for leaves room for more of the thread.
        let mut shorter_reply = long_thread("qwen-max", 200);
        shorter_reply.parameters.max_tokens = Some(1_000);
        let roomier = prepare(shorter_reply, &info, true).expect("ok");
        assert!(roomier.left_out < prepared.left_out);
        assert!(tokens_of(&roomier.request) <= 32_768 - 1_000);
    }

    #[test]
    fn a_thread_that_fits_is_sent_whole() {
        let prepared =
            prepare(long_thread("qwen-plus", 20), &lookup("qwen-plus"), true).expect("ok");
        assert_eq!(prepared.left_out, 0);
        assert_eq!(prepared.request.messages.len(), 42);
    }

    #[test]
    fn tool_results_keep_the_turn_that_asked_even_over_the_budget() {
        let call = crate::tools::ToolCall {
            id: "call_1".into(),
            name: "lookup".into(),
            arguments: "{}".into(),
        };
        let mut asked = ChatMessage::new(Role::Assistant, "");
        asked.tool_calls = vec![call];
        let mut result = ChatMessage::new(Role::Tool, "r".repeat(90_000));
        result.tool_call_id = Some("call_1".into());
        let messages = vec![
            ChatMessage::new(Role::User, "older question"),
            ChatMessage::new(Role::Assistant, "older answer"),
            ChatMessage::new(Role::User, "look it up"),
            asked,
            result,
        ];
        let prepared = prepare(
            ChatRequest::new("qwen-max", messages),
            &lookup("qwen-max"),
            true,
        )
        .expect("ok");
        let roles: Vec<Role> = prepared
            .request
            .messages
            .iter()
            .map(ChatMessage::role)
            .collect();
        // Only the result fits; it goes with the call it answers and the turn that asked for it.
        assert_eq!(roles, vec![Role::User, Role::Assistant, Role::Tool]);
        assert_eq!(prepared.request.messages[0].content, "look it up");
        assert_eq!(prepared.left_out, 2);
    }

    #[test]
    fn images_count_toward_the_context() {
        let image = "data:image/png;base64,AAAA".to_owned();
        let mut messages = Vec::new();
        for i in 0..120 {
            messages.push(
                ChatMessage::new(Role::User, format!("picture {i}"))
                    .with_images(vec![image.clone()]),
            );
            messages.push(ChatMessage::new(Role::Assistant, "seen"));
        }
        messages.push(ChatMessage::new(Role::User, "and now?"));
        // qwen-vl-max: its 131,072-token context holds fewer than 120 images at 1,280 tokens each.
        let info = lookup("qwen-vl-max");
        let prepared = prepare(ChatRequest::new("qwen-vl-max", messages), &info, true).expect("ok");
        let images: usize = prepared
            .request
            .messages
            .iter()
            .map(|m| m.images.len())
            .sum();
        assert!(prepared.left_out > 0);
        let budget = u64::from(info.max_context_tokens - info.max_output_tokens);
        assert!(images as u64 * MEDIA_TOKENS <= budget);
        assert!(tokens_of(&prepared.request) <= budget);
    }
}
