//! Tool (function) calls, and their assembly from streamed fragments.
//!
//! In a stream, each call arrives in pieces keyed by `index`; its `id` and `name` appear only in
//! the first piece (later ones carry `"id": ""` and no name), and `arguments` is a JSON string cut
//! anywhere (reference §2.4). Several calls may interleave when `parallel_tool_calls` is on.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them: a JSON text, not yet validated.
    pub arguments: String,
}

impl ToolCall {
    pub(crate) fn wire(&self) -> Value {
        json!({
            "id": self.id,
            "type": "function",
            "function": { "name": self.name, "arguments": self.arguments },
        })
    }

    /// The arguments parsed, or the parse error to hand back to the model.
    pub fn parsed_arguments(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(if self.arguments.trim().is_empty() {
            "{}"
        } else {
            &self.arguments
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolCallFragment {
    pub index: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
}

impl ToolCallFragment {
    /// Reads one `tool_calls[]` item of a native or compatible message or delta.
    pub(crate) fn from_wire(item: &Value, position: usize) -> Self {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let function = item.get("function");
        ToolCallFragment {
            index: item
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|i| usize::try_from(i).ok())
                .unwrap_or(position),
            id: text(item.get("id")),
            name: text(function.and_then(|f| f.get("name"))),
            arguments: function
                .and_then(|f| f.get("arguments"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// Collects fragments by index into whole calls.
#[derive(Debug, Default)]
pub struct ToolCallAssembler {
    calls: Vec<Option<ToolCall>>,
}

impl ToolCallAssembler {
    pub fn push(&mut self, fragment: ToolCallFragment) {
        if self.calls.len() <= fragment.index {
            self.calls.resize(fragment.index + 1, None);
        }
        let call = self.calls[fragment.index].get_or_insert_with(ToolCall::default);
        if let Some(id) = fragment.id {
            call.id = id;
        }
        if let Some(name) = fragment.name {
            call.name = name;
        }
        call.arguments.push_str(&fragment.arguments);
    }

    pub fn is_empty(&self) -> bool {
        self.calls.iter().all(Option::is_none)
    }

    pub fn finish(self) -> Vec<ToolCall> {
        self.calls.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_calls_assemble_from_interleaved_fragments() {
        let wire = [
            json!({"index": 0, "id": "call_a", "type": "function", "function": {"name": "weather", "arguments": "{\"ci"}}),
            json!({"index": 1, "id": "call_b", "type": "function", "function": {"name": "time", "arguments": ""}}),
            json!({"index": 0, "id": "", "type": "function", "function": {"arguments": "ty\": \"杭州\"}"}}),
            json!({"index": 1, "id": "", "type": "function", "function": {"arguments": "{\"tz\": \"+8\"}"}}),
        ];
        let mut assembler = ToolCallAssembler::default();
        for (i, item) in wire.iter().enumerate() {
            assembler.push(ToolCallFragment::from_wire(item, i));
        }
        let calls = assembler.finish();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (calls[0].id.as_str(), calls[0].name.as_str()),
            ("call_a", "weather")
        );
        assert_eq!(
            calls[0].parsed_arguments().expect("json"),
            json!({"city": "杭州"})
        );
        assert_eq!(
            calls[1].parsed_arguments().expect("json"),
            json!({"tz": "+8"})
        );
    }
}
