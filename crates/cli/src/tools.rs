//! `chat`'s output parameters (tools, tool choice, JSON output, seed, stop strings, token limit)
//! and `tool-result`, which answers a reply's tool calls and streams the next reply.

use std::path::{Path, PathBuf};

use anyhow::Context;
use desk_core::{
    ChatParams, ConversationPatch, Desk, ResponseFormat, ToolChoice, ToolDefinition, ToolResult,
};
use serde_json::Value;

/// The output parameters of `chat`. For a new conversation they become its parameters (on top of
/// the settings' defaults); with `--conversation` they update that conversation's parameters,
/// which every later prompt in it uses too.
#[derive(clap::Args, Debug, Default)]
#[command(
    next_help_heading = "Output parameters (a new conversation's; with --conversation, they update that conversation's)"
)]
pub struct OutputArgs {
    /// A JSON file of the functions the model may call: an array of {name, description,
    /// parameters}, or the API's form [{"type": "function", "function": {…}}]. An empty array
    /// removes the conversation's tools.
    #[arg(long, value_name = "FILE")]
    pub tools: Option<PathBuf>,
    /// `auto`, `none`, or the name of a function the model must call.
    #[arg(long, value_name = "auto|none|NAME")]
    pub tool_choice: Option<String>,
    /// Ask for a JSON object as the answer (response_format json_object); the prompt or the
    /// system prompt must mention JSON.
    #[arg(long)]
    pub json_object: bool,
    /// The same seed and request give (mostly) the same answer; 0 to 2147483647.
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<i64>,
    /// Stop before this text (repeatable, at most 4).
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop: Vec<String>,
    /// Cap the answer at this many tokens; a reply cut by it can be continued (`continue`).
    #[arg(long, allow_negative_numbers = true)]
    pub max_tokens: Option<i64>,
}

impl OutputArgs {
    fn given(&self) -> bool {
        self.tools.is_some()
            || self.tool_choice.is_some()
            || self.json_object
            || self.seed.is_some()
            || !self.stop.is_empty()
            || self.max_tokens.is_some()
    }

    /// `params` with the flags given applied; the core checks the result.
    fn apply(&self, mut params: ChatParams) -> anyhow::Result<ChatParams> {
        if let Some(path) = &self.tools {
            params.tools = read_tools(path)?;
        }
        if let Some(choice) = &self.tool_choice {
            params.tool_choice = Some(match choice.trim() {
                "auto" => ToolChoice::Auto,
                "none" => ToolChoice::None,
                name => ToolChoice::Function(name.to_owned()),
            });
        }
        if self.json_object {
            params.response_format = ResponseFormat::JsonObject;
        }
        if self.seed.is_some() {
            params.seed = self.seed;
        }
        if !self.stop.is_empty() {
            params.stop = self.stop.clone();
        }
        if self.max_tokens.is_some() {
            params.max_tokens = self.max_tokens;
        }
        Ok(params)
    }
}

/// The parameters a `chat` sends with its request: for a new conversation, the settings'
/// defaults with the flags applied (`None` when no flag was given, so the defaults apply as they
/// do in the app); for an existing one, the flags are written to the conversation first.
pub async fn chat_params(
    desk: &Desk,
    output: &OutputArgs,
    conversation: Option<&str>,
) -> Result<Option<ChatParams>, crate::Failure> {
    if !output.given() {
        return Ok(None);
    }
    match conversation {
        None => {
            let defaults = desk.settings()?.default_params;
            Ok(Some(output.apply(defaults).map_err(crate::Failure::Usage)?))
        }
        Some(id) => {
            let current = desk.conversation(id)?.conversation.params;
            let params = output.apply(current).map_err(crate::Failure::Usage)?;
            desk.update_conversation(
                id,
                ConversationPatch {
                    params: Some(params),
                    ..ConversationPatch::default()
                },
            )?;
            Ok(None)
        }
    }
}

/// Tools from a file in either accepted form.
fn read_tools(path: &Path) -> anyhow::Result<Vec<ToolDefinition>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the tools file {}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("the tools file {} is not JSON", path.display()))?;
    let Value::Array(items) = value else {
        anyhow::bail!(
            "the tools file {} must hold a JSON array of tools",
            path.display()
        );
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            // The API's form wraps the definition: {"type": "function", "function": {…}}.
            let definition = match item.get("function") {
                Some(function) if item.get("type").and_then(Value::as_str) == Some("function") => {
                    function.clone()
                }
                _ => item,
            };
            serde_json::from_value::<ToolDefinition>(definition).with_context(|| {
                format!(
                    "tool {} in {} needs a \"name\" (and may have \"description\" and \"parameters\")",
                    index + 1,
                    path.display()
                )
            })
        })
        .collect()
}

/// `CALL_ID=CONTENT` items; a content of `@PATH` is read from that file (`@@…` is a literal `@…`).
pub fn parse_results(items: &[String]) -> anyhow::Result<Vec<ToolResult>> {
    items
        .iter()
        .map(|item| {
            let (id, content) = item.split_once('=').with_context(|| {
                format!("--result {item:?} is not CALL_ID=CONTENT (CONTENT may be @FILE)")
            })?;
            let id = id.trim();
            anyhow::ensure!(!id.is_empty(), "--result {item:?} names no call id");
            let content = if let Some(literal) = content.strip_prefix("@@") {
                format!("@{literal}")
            } else if let Some(path) = content.strip_prefix('@') {
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the result of {id} from {path}"))?
            } else {
                content.to_owned()
            };
            Ok(ToolResult {
                tool_call_id: id.to_owned(),
                content,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tool_forms_read_and_results_parse() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("tools.json");
        std::fs::write(
            &file,
            r#"[{"name": "a", "parameters": {"type": "object"}},
                {"type": "function", "function": {"name": "b", "description": "B", "parameters": {}}}]"#,
        )
        .expect("write");
        let tools = read_tools(&file).expect("tools");
        assert_eq!(
            tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(tools[1].description, "B");
        std::fs::write(&file, r#"{"name": "a"}"#).expect("write");
        assert!(read_tools(&file).is_err(), "not an array");
        std::fs::write(&file, r#"[{"description": "no name"}]"#).expect("write");
        assert!(read_tools(&file).is_err(), "no name");

        let body = dir.path().join("result.txt");
        std::fs::write(&body, "from a file").expect("write");
        let results = parse_results(&[
            "call_1=21°C".into(),
            format!("call_2=@{}", body.display()),
            "call_3=@@literal".into(),
        ])
        .expect("results");
        assert_eq!(results[0].content, "21°C");
        assert_eq!(results[1].content, "from a file");
        assert_eq!(results[2].content, "@literal");
        assert!(parse_results(&["no equals sign".into()]).is_err());
        assert!(parse_results(&["=x".into()]).is_err());
        assert!(parse_results(&["c=@/no/such/file".into()]).is_err());
    }
}
