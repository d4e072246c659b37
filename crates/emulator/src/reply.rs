//! Deterministic answers, so tests can assert the exact text, token counts and usage.

/// Chat models the emulator answers for on the text-generation endpoints.
pub const CHAT_MODELS: &[&str] = &[
    "qwen-max",
    "qwen-max-latest",
    "qwen-plus",
    "qwen-plus-latest",
    "qwen-turbo",
    "qwen-turbo-latest",
    "qwen-flash",
    "qwen-long",
    "qwen3-max",
    "qwen3-235b-a22b",
    "qwen3-32b",
    "qwen3-8b",
    "qwq-plus",
];

pub fn is_chat_model(model: &str) -> bool {
    CHAT_MODELS.contains(&model)
}

/// Vision models, served on the multimodal-generation endpoint.
pub const VISION_MODELS: &[&str] = &["qwen-vl-max", "qwen-vl-plus", "qwen3-vl-plus", "qvq-max"];

pub fn is_vision_model(model: &str) -> bool {
    VISION_MODELS.contains(&model)
}

/// Whether a request thinks: QwQ and QVQ always; Qwen3 open-source unless told not to; the
/// hybrid commercial models only when asked (reference §2.1).
pub fn thinking_default(model: &str, requested: Option<bool>) -> bool {
    if model.starts_with("qwq") || model.starts_with("qvq") {
        return true;
    }
    requested.unwrap_or_else(|| is_qwen3_open_source(model))
}

/// Qwen3 open-source models are named by size: `qwen3-32b`, `qwen3-235b-a22b`, `qwen3-0.6b`.
fn is_qwen3_open_source(model: &str) -> bool {
    model
        .strip_prefix("qwen3-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|size| size.strip_suffix('b'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The native `result_format` default is `"text"`, except for QwQ, the Qwen3 open-source models
/// and Qwen-Long, which answer in `"message"` form when the request names none (reference §2.1).
pub fn defaults_to_message_format(model: &str) -> bool {
    model.starts_with("qwq") || model.starts_with("qwen-long") || is_qwen3_open_source(model)
}

/// The native `incremental_output` default is `false`, except for the Qwen3 open-source models,
/// QwQ and QVQ, which stream increments when the request names none (reference §2.1).
pub fn defaults_to_incremental(model: &str) -> bool {
    model.starts_with("qwq") || model.starts_with("qvq") || is_qwen3_open_source(model)
}

/// The reply to a conversation: it names the model, echoes the last user message and counts the
/// user turns, so a test can see that the history reached the server. `/long N` asks for N lines.
pub fn reply_text(model: &str, user_turns: usize, last_user_message: &str) -> String {
    let prompt = last_user_message.trim();
    if let Some(count) = prompt
        .strip_prefix("/long ")
        .and_then(|n| n.trim().parse::<usize>().ok())
    {
        return (1..=count.min(10_000))
            .map(|i| format!("Line {i} of a long emulated answer from {model}.\n"))
            .collect();
    }
    if prompt.chars().any(is_cjk) {
        format!(
            "这是百炼模拟器以 {model} 身份给出的回答（第 {user_turns} 轮）。你说：「{prompt}」。模拟器不是通义千问，它按固定规则逐字回复，便于测试。"
        )
    } else {
        format!(
            "This is the Bailian emulator answering as {model} (turn {user_turns}). You said: \"{prompt}\". The emulator is not Qwen; it answers by fixed rules, word by word, so that tests can check every token."
        )
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Splits text into "tokens": an ASCII word with its trailing whitespace, or one other character.
/// Concatenating the pieces gives back the text exactly.
pub fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let word = c.is_ascii() && !c.is_ascii_whitespace();
        if word {
            while let Some(&(_, n)) = chars.peek() {
                if n.is_ascii() && !n.is_ascii_whitespace() {
                    chars.next();
                } else {
                    break;
                }
            }
        }
        while let Some(&(_, n)) = chars.peek() {
            if n.is_ascii_whitespace() {
                chars.next();
            } else {
                break;
            }
        }
        let end = chars.peek().map_or(text.len(), |&(j, _)| j);
        out.push(&text[start..end]);
        start = end;
    }
    out
}

pub fn token_count(text: &str) -> u64 {
    pieces(text).len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_round_trip() {
        for text in ["Hello world, again.\n\nNext", "你好，世界 ok", "", "  lead"] {
            assert_eq!(pieces(text).concat(), text);
        }
        assert_eq!(pieces("Hi there"), vec!["Hi ", "there"]);
        assert_eq!(pieces("你好"), vec!["你", "好"]);
    }

    #[test]
    fn per_model_defaults() {
        for model in ["qwen3-32b", "qwen3-235b-a22b", "qwen3-0.6b", "qwq-plus"] {
            assert!(defaults_to_message_format(model), "{model}");
            assert!(defaults_to_incremental(model), "{model}");
        }
        assert!(defaults_to_message_format("qwen-long"));
        assert!(!defaults_to_incremental("qwen-long"));
        for model in [
            "qwen-plus",
            "qwen3-max",
            "qwen3-coder-plus",
            "qwen-max-latest",
        ] {
            assert!(!defaults_to_message_format(model), "{model}");
            assert!(!defaults_to_incremental(model), "{model}");
        }
    }

    #[test]
    fn reply_is_deterministic_and_language_aware() {
        assert_eq!(
            reply_text("qwen-plus", 1, "hi"),
            reply_text("qwen-plus", 1, "hi")
        );
        assert!(reply_text("qwen-plus", 2, "你好").contains("第 2 轮"));
        assert_eq!(reply_text("m", 1, "/long 3").lines().count(), 3);
    }
}
