//! What each model family can do and what it costs, so requests are built the way each model
//! requires (generic clients break on exactly these rules) and usage can be priced.
//!
//! Facts come from `shared/docs/bailian-api.md` (§2, §6, §7.3, §8) and `shared/docs/landscape.md`;
//! each price carries the date it was read. Where the reference gives no CNY price, the price is
//! `None` and cost is shown as unknown rather than guessed.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Chat,
    Image,
    SpeechRecognition,
    SpeechSynthesis,
    Embedding,
}

/// Which native endpoint a chat model is served on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatEndpoint {
    /// `/api/v1/services/aigc/text-generation/generation`: content is a string.
    TextGeneration,
    /// `/api/v1/services/aigc/multimodal-generation/generation`: content is a list of parts.
    MultimodalGeneration,
}

impl ChatEndpoint {
    pub fn path(self) -> &'static str {
        match self {
            ChatEndpoint::TextGeneration => "/api/v1/services/aigc/text-generation/generation",
            ChatEndpoint::MultimodalGeneration => {
                "/api/v1/services/aigc/multimodal-generation/generation"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    Text,
    Image,
    Video,
    Audio,
}

/// How a model treats `enable_thinking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Thinking {
    /// The parameter is not sent.
    Unsupported,
    /// Hybrid models: thinking can be switched; `default_on` is the server's default, so a
    /// non-streaming call to a default-on model must say `false` explicitly.
    Optional { default_on: bool },
    /// Reasoning-only models (QwQ, QVQ): always on, streaming only.
    Required,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "unit")]
pub enum Price {
    /// CNY per 1,000 tokens.
    PerThousandTokens {
        input: f64,
        output: f64,
    },
    PerImage {
        cny: f64,
    },
    /// CNY per 10,000 characters (CosyVoice).
    PerTenThousandChars {
        cny: f64,
    },
    PerSecond {
        cny: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PriceQuote {
    pub price: Price,
    /// When the price was read, `YYYY-MM`.
    pub as_of: &'static str,
    /// Where it was read; `[LOG]` marks third-party sources of lower trust.
    pub source: &'static str,
}

/// Requests and tokens per minute; the client-side limiter starts from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimits {
    pub rpm: u32,
    pub tpm: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// The id asked about (a dated snapshot keeps its own id and its family's capabilities).
    pub id: String,
    pub family: &'static str,
    pub kind: ModelKind,
    pub endpoint: ChatEndpoint,
    pub input: &'static [Modality],
    pub stream_only: bool,
    pub thinking: Thinking,
    pub search: bool,
    pub tools: bool,
    /// Only the last user turn may be sent (QVQ).
    pub single_turn: bool,
    pub max_context_tokens: u32,
    pub max_output_tokens: u32,
    pub price: Option<PriceQuote>,
    pub rate_limits: RateLimits,
    /// `false` for models the registry does not know; they get the safe defaults below.
    pub known: bool,
}

struct Family {
    prefix: &'static str,
    kind: ModelKind,
    endpoint: ChatEndpoint,
    input: &'static [Modality],
    stream_only: bool,
    thinking: Thinking,
    search: bool,
    tools: bool,
    single_turn: bool,
    max_context_tokens: u32,
    max_output_tokens: u32,
    price: Option<PriceQuote>,
    rate_limits: RateLimits,
}

const TEXT: &[Modality] = &[Modality::Text];
const VISION: &[Modality] = &[Modality::Text, Modality::Image, Modality::Video];

const CN_PRICE_TABLE: &str = "help.aliyun.com AI PaaS billing table (reference §8)";

const fn tokens(
    input: f64,
    output: f64,
    as_of: &'static str,
    source: &'static str,
) -> Option<PriceQuote> {
    Some(PriceQuote {
        price: Price::PerThousandTokens { input, output },
        as_of,
        source,
    })
}

const fn limits(rpm: u32, tpm: u32) -> RateLimits {
    RateLimits { rpm, tpm }
}

const fn chat(
    prefix: &'static str,
    thinking: Thinking,
    context: u32,
    output: u32,
    price: Option<PriceQuote>,
    rate_limits: RateLimits,
) -> Family {
    Family {
        prefix,
        kind: ModelKind::Chat,
        endpoint: ChatEndpoint::TextGeneration,
        input: TEXT,
        stream_only: false,
        thinking,
        search: true,
        tools: true,
        single_turn: false,
        max_context_tokens: context,
        max_output_tokens: output,
        price,
        rate_limits,
    }
}

const HYBRID_OFF: Thinking = Thinking::Optional { default_on: false };
const HYBRID_ON: Thinking = Thinking::Optional { default_on: true };

/// Ordered most specific first: lookup takes the first prefix that matches.
const FAMILIES: &[Family] = &[
    // `-latest` aliases have their own, lower limits (§7.3).
    chat(
        "qwen-max-latest",
        Thinking::Unsupported,
        32_768,
        8_192,
        None,
        limits(60, 100_000),
    ),
    chat(
        "qwen-plus-latest",
        HYBRID_OFF,
        131_072,
        16_384,
        tokens(0.0008, 0.002, "2025-06", CN_PRICE_TABLE),
        limits(60, 100_000),
    ),
    chat(
        "qwen-turbo-latest",
        HYBRID_OFF,
        1_000_000,
        16_384,
        None,
        limits(60, 100_000),
    ),
    chat(
        "qwen-max",
        Thinking::Unsupported,
        32_768,
        8_192,
        None,
        limits(600, 1_000_000),
    ),
    chat(
        "qwen-plus",
        HYBRID_OFF,
        131_072,
        16_384,
        tokens(0.0008, 0.002, "2025-06", CN_PRICE_TABLE),
        limits(600, 1_000_000),
    ),
    chat(
        "qwen-turbo",
        HYBRID_OFF,
        1_000_000,
        16_384,
        None,
        limits(600, 5_000_000),
    ),
    chat(
        "qwen-flash",
        HYBRID_OFF,
        1_000_000,
        32_768,
        tokens(
            0.00015,
            0.0015,
            "2025-09",
            "third-party copy of the Bailian model page [LOG]",
        ),
        limits(15_000, 10_000_000),
    ),
    chat(
        "qwen-long",
        Thinking::Unsupported,
        10_000_000,
        8_192,
        None,
        limits(600, 1_000_000),
    ),
    chat(
        "qwen3-max",
        Thinking::Unsupported,
        262_144,
        65_536,
        None,
        limits(600, 1_000_000),
    ),
    chat(
        "qwen3-coder",
        Thinking::Unsupported,
        1_000_000,
        65_536,
        None,
        limits(600, 1_000_000),
    ),
    // Qwen3 open-source: thinking defaults on; a non-streaming call must switch it off.
    chat(
        "qwen3-",
        HYBRID_ON,
        131_072,
        16_384,
        None,
        limits(600, 1_000_000),
    ),
    Family {
        stream_only: true,
        search: false,
        tools: false,
        ..chat(
            "qwq",
            Thinking::Required,
            131_072,
            8_192,
            None,
            limits(60, 100_000),
        )
    },
    Family {
        endpoint: ChatEndpoint::MultimodalGeneration,
        input: VISION,
        stream_only: true,
        search: false,
        tools: false,
        single_turn: true,
        ..chat(
            "qvq",
            Thinking::Required,
            131_072,
            8_192,
            None,
            limits(60, 100_000),
        )
    },
    Family {
        endpoint: ChatEndpoint::MultimodalGeneration,
        input: VISION,
        search: false,
        ..chat(
            "qwen3-vl",
            HYBRID_OFF,
            262_144,
            32_768,
            None,
            limits(1_200, 1_000_000),
        )
    },
    Family {
        endpoint: ChatEndpoint::MultimodalGeneration,
        input: VISION,
        search: false,
        tools: false,
        ..chat(
            "qwen-vl",
            Thinking::Unsupported,
            131_072,
            8_192,
            None,
            limits(1_200, 1_000_000),
        )
    },
    Family {
        kind: ModelKind::Embedding,
        search: false,
        tools: false,
        ..chat(
            "text-embedding-v",
            Thinking::Unsupported,
            8_192,
            0,
            tokens(0.0005, 0.0, "2025-06", "Model Studio embedding doc (§6)"),
            limits(1_800, 1_200_000),
        )
    },
    Family {
        kind: ModelKind::SpeechSynthesis,
        search: false,
        tools: false,
        price: Some(PriceQuote {
            price: Price::PerTenThousandChars { cny: 2.0 },
            as_of: "2025-12",
            source: "CosyVoice zh doc (§8)",
        }),
        ..chat(
            "cosyvoice-v3-plus",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(180, 0),
        )
    },
    Family {
        kind: ModelKind::SpeechSynthesis,
        search: false,
        tools: false,
        price: Some(PriceQuote {
            price: Price::PerTenThousandChars { cny: 0.4 },
            as_of: "2025-12",
            source: "CosyVoice zh doc (§8)",
        }),
        ..chat(
            "cosyvoice-v3",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(180, 0),
        )
    },
    Family {
        kind: ModelKind::SpeechSynthesis,
        search: false,
        tools: false,
        price: Some(PriceQuote {
            price: Price::PerTenThousandChars { cny: 2.0 },
            as_of: "2025-12",
            source: "CosyVoice zh doc (§8)",
        }),
        ..chat(
            "cosyvoice-v2",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(180, 0),
        )
    },
    Family {
        kind: ModelKind::SpeechRecognition,
        search: false,
        tools: false,
        ..chat(
            "paraformer",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(600, 0),
        )
    },
    Family {
        kind: ModelKind::SpeechRecognition,
        search: false,
        tools: false,
        ..chat("fun-asr", Thinking::Unsupported, 0, 0, None, limits(600, 0))
    },
    Family {
        kind: ModelKind::Image,
        search: false,
        tools: false,
        price: Some(PriceQuote {
            price: Price::PerImage { cny: 0.2 },
            as_of: "2025-09",
            source: "third-party price list [LOG]",
        }),
        ..chat(
            "qwen-image-plus",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(120, 0),
        )
    },
    Family {
        kind: ModelKind::Image,
        search: false,
        tools: false,
        ..chat(
            "qwen-image",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(120, 0),
        )
    },
    Family {
        kind: ModelKind::Image,
        search: false,
        tools: false,
        price: Some(PriceQuote {
            price: Price::PerImage { cny: 0.220177 },
            as_of: "2025-10",
            source: "third-party price list [LOG]",
        }),
        ..chat(
            "wan2.5-i2i",
            Thinking::Unsupported,
            0,
            0,
            None,
            limits(120, 0),
        )
    },
    Family {
        kind: ModelKind::Image,
        search: false,
        tools: false,
        ..chat("wan", Thinking::Unsupported, 0, 0, None, limits(120, 0))
    },
];

/// Conservative defaults for a model the registry does not know: plain text, no thinking
/// parameter sent, no claim about search or tools, no price.
fn unknown(id: &str) -> ModelInfo {
    ModelInfo {
        id: id.to_owned(),
        family: "unknown",
        kind: ModelKind::Chat,
        endpoint: ChatEndpoint::TextGeneration,
        input: TEXT,
        stream_only: false,
        thinking: Thinking::Unsupported,
        search: false,
        tools: false,
        single_turn: false,
        max_context_tokens: 32_768,
        max_output_tokens: 8_192,
        price: None,
        rate_limits: limits(60, 100_000),
        known: false,
    }
}

/// The capabilities of `model`: its family's, matched by the longest prefix (so dated snapshots
/// such as `qwen-plus-2025-04-28` inherit them, and `qwen3-vl-plus` is a `qwen3-vl` model, not a
/// `qwen3-` text model, wherever the table lists them), or safe defaults.
pub fn lookup(model: &str) -> ModelInfo {
    let id = model.trim();
    FAMILIES
        .iter()
        .filter(|f| id.starts_with(f.prefix))
        .max_by_key(|f| f.prefix.len())
        .map_or_else(
            || unknown(id),
            |f| ModelInfo {
                id: id.to_owned(),
                family: f.prefix.trim_end_matches('-'),
                kind: f.kind,
                endpoint: f.endpoint,
                input: f.input,
                stream_only: f.stream_only,
                thinking: f.thinking,
                search: f.search,
                tools: f.tools,
                single_turn: f.single_turn,
                max_context_tokens: f.max_context_tokens,
                max_output_tokens: f.max_output_tokens,
                price: f.price,
                rate_limits: f.rate_limits,
                known: true,
            },
        )
}

/// Merges a server's model list with the registry: every listed id appears once, with the
/// registry's knowledge where it has some.
pub fn merge_listing(ids: &[String]) -> Vec<ModelInfo> {
    let mut seen = std::collections::BTreeSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.trim().to_owned()))
        .map(|id| lookup(id))
        .collect()
}

impl ModelInfo {
    pub fn accepts(&self, modality: Modality) -> bool {
        self.input.contains(&modality)
    }

    /// The cost in CNY of a chat call, when the price is known.
    pub fn chat_cost_cny(&self, input_tokens: u64, output_tokens: u64) -> Option<f64> {
        match self.price?.price {
            Price::PerThousandTokens { input, output } => {
                Some((input_tokens as f64 * input + output_tokens as f64 * output) / 1000.0)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_snapshots() {
        let plus = lookup("qwen-plus-2025-04-28");
        assert_eq!((plus.family, plus.known), ("qwen-plus", true));
        assert_eq!(plus.thinking, Thinking::Optional { default_on: false });
        assert_eq!(lookup("qwen-plus-latest").rate_limits, limits(60, 100_000));
        assert_eq!(
            lookup("qwen3-235b-a22b").thinking,
            Thinking::Optional { default_on: true }
        );
        assert_eq!(lookup("qwen3-max").thinking, Thinking::Unsupported);
        let qvq = lookup("qvq-max");
        assert!(qvq.stream_only && qvq.single_turn && qvq.accepts(Modality::Image));
        assert_eq!(qvq.endpoint, ChatEndpoint::MultimodalGeneration);
        assert_eq!(lookup("qwq-plus").thinking, Thinking::Required);
        assert_eq!(
            lookup("qwen-vl-max").endpoint,
            ChatEndpoint::MultimodalGeneration
        );
        let qwen3_vl = lookup("qwen3-vl-plus");
        assert_eq!(
            (qwen3_vl.family, qwen3_vl.endpoint),
            ("qwen3-vl", ChatEndpoint::MultimodalGeneration)
        );
        assert!(qwen3_vl.accepts(Modality::Image));
        assert_eq!(lookup("qwen3-32b").family, "qwen3");
        assert_eq!(lookup("text-embedding-v4").kind, ModelKind::Embedding);
        assert_eq!(lookup("wan2.2-t2i-flash").kind, ModelKind::Image);
        assert_eq!(
            lookup("cosyvoice-v3-plus").price.map(|p| p.price),
            Some(Price::PerTenThousandChars { cny: 2.0 })
        );
    }

    #[test]
    fn unknown_models_get_safe_defaults() {
        let m = lookup("someone-elses-model");
        assert!(!m.known);
        assert_eq!(
            (m.endpoint, m.thinking, m.stream_only),
            (ChatEndpoint::TextGeneration, Thinking::Unsupported, false)
        );
        assert!(m.price.is_none());
    }

    #[test]
    fn cost_from_price() {
        let plus = lookup("qwen-plus");
        let cost = plus.chat_cost_cny(1000, 500).expect("priced");
        assert!((cost - (0.0008 + 0.001)).abs() < 1e-12, "{cost}");
        assert!(
            lookup("qwen-max").chat_cost_cny(1, 1).is_none(),
            "no CNY price in the reference"
        );
    }

    #[test]
    fn listing_merge_dedups_and_keeps_unknowns() {
        let merged = merge_listing(&["qwen-plus".into(), "mystery".into(), "qwen-plus".into()]);
        assert_eq!(merged.len(), 2);
        assert!(merged[0].known && !merged[1].known);
    }
}
