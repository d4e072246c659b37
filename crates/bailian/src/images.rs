//! Image generation and editing (Wanx / Wan / qwen-image): as asynchronous tasks (reference §4),
//! or, for the newer multimodal models that have no task endpoint (qwen-image-edit,
//! qwen-image-2.0), as one synchronous call on the multimodal endpoint (§2.5) answering in the
//! chat shape `output.choices[].message.content[{image}]`.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::registry::{ModelKind, lookup};
use crate::tasks::{TaskResult, choice_images};

const TEXT2IMAGE_PATH: &str = "/api/v1/services/aigc/text2image/image-synthesis";
const IMAGE2IMAGE_PATH: &str = "/api/v1/services/aigc/image2image/image-synthesis";
const IMAGE_GENERATION_PATH: &str = "/api/v1/services/aigc/image-generation/generation";
const MULTIMODAL_PATH: &str = "/api/v1/services/aigc/multimodal-generation/generation";

/// Models served only synchronously, on the multimodal endpoint. The qwen-image async page says
/// its task endpoint "is supported only by qwen-image-plus and qwen-image. All other models use
/// the synchronous API" (reference §4.1); the reference names qwen-image-edit and qwen-image-2.0.
/// wan2.6 has both forms and keeps the task one: a task id survives an app restart, a
/// synchronous call does not.
pub fn is_synchronous_model(model: &str) -> bool {
    let model = model.trim();
    model.starts_with("qwen-image-edit") || model.starts_with("qwen-image-2.")
}

/// Models that edit a given image and cannot run without one.
pub fn needs_input_image(model: &str) -> bool {
    model.trim().starts_with("qwen-image-edit")
}

/// Models that take an image to work from: the synchronous edit models, wan2.6 (its messages
/// carry images) and the image-to-image task models (`base_image_url`). A text-to-image model
/// given one would be sent to the editing endpoint by mistake, so it is refused before sending.
pub fn accepts_input_image(model: &str) -> bool {
    let model = model.trim();
    needs_input_image(model)
        || model.starts_with("wan2.6")
        || model.starts_with("wanx2.1-imageedit")
        || model.starts_with("wan2.5-i2i")
}

/// What a synchronous image call produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageResults {
    /// The produced images (URLs valid about 24 h), in order.
    pub results: Vec<TaskResult>,
    /// `usage` as sent (`image_count`, `width`, `height`).
    pub usage: Option<Value>,
    pub request_id: Option<String>,
}

impl ImageResults {
    /// Reads a synchronous answer; `None` when the body has no `output`.
    pub fn from_body(body: &Value) -> Option<Self> {
        let output = body.get("output")?;
        Some(Self {
            results: choice_images(output),
            usage: body.get("usage").cloned(),
            request_id: body
                .get("request_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

/// The longest prompt accepted before sending; DashScope's image models cap prompts well below
/// this, so a longer one is certainly refused and would only cost a round trip.
const MAX_PROMPT_CHARS: usize = 2_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageRequest {
    pub model: String,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    /// `"W*H"`, e.g. `"1024*1024"`.
    pub size: Option<String>,
    /// Images in the batch, 1–4.
    pub n: Option<u32>,
    pub seed: Option<u32>,
    pub prompt_extend: Option<bool>,
    pub watermark: Option<bool>,
    /// For editing: the source image (URL or `data:` URI); sends an async request to image2image,
    /// and is the first content item of a wan2.6 or synchronous request.
    pub base_image: Option<String>,
    /// The edit function for `wanx2.1-imageedit` (`description_edit`, `stylization_all`, …).
    pub edit_function: Option<String>,
}

impl ImageRequest {
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            prompt: prompt.into(),
            ..Self::default()
        }
    }

    /// Refuses what the service certainly would, before money or a round trip is spent.
    pub fn validate(&self) -> Result<()> {
        let info = lookup(&self.model);
        if info.known && info.kind != ModelKind::Image {
            return Err(Error::InvalidRequest(format!(
                "{} is not an image model",
                self.model
            )));
        }
        let prompt = self.prompt.trim();
        if prompt.is_empty() {
            return Err(Error::InvalidRequest("the image prompt is empty".into()));
        }
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(Error::InvalidRequest(format!(
                "the image prompt is longer than {MAX_PROMPT_CHARS} characters"
            )));
        }
        if let Some(n) = self.n
            && !(1..=4).contains(&n)
        {
            return Err(Error::InvalidRequest(format!(
                "n must be 1 to 4 images, not {n}"
            )));
        }
        if let Some(size) = &self.size {
            parse_size(size)?;
        }
        if needs_input_image(&self.model) && self.base_image.is_none() {
            return Err(Error::InvalidRequest(format!(
                "{} edits an image: give it the image to edit",
                self.model
            )));
        }
        Ok(())
    }

    /// Whether the request is one synchronous call (see [`is_synchronous_model`]).
    pub fn is_synchronous(&self) -> bool {
        is_synchronous_model(&self.model)
    }

    /// The endpoint path and body for this model and request.
    pub(crate) fn wire(&self) -> (&'static str, Value) {
        let mut parameters = self.common_parameters();
        // The multimodal protocol: the image to edit, then the instruction (the order of the
        // captured qwen-image-edit call); the negative prompt is a parameter.
        if self.is_synchronous() {
            let mut content = Vec::new();
            if let Some(image) = &self.base_image {
                content.push(json!({ "image": image }));
            }
            content.push(json!({ "text": self.prompt }));
            if let Some(negative) = &self.negative_prompt {
                parameters.insert("negative_prompt".into(), json!(negative));
            }
            return (
                MULTIMODAL_PATH,
                json!({ "model": self.model, "input": { "messages": [{ "role": "user", "content": content }] }, "parameters": parameters }),
            );
        }
        self.task_wire(parameters)
    }

    fn common_parameters(&self) -> Map<String, Value> {
        let mut parameters = Map::new();
        if let Some(size) = &self.size {
            parameters.insert("size".into(), json!(size));
        }
        if let Some(n) = self.n {
            parameters.insert("n".into(), json!(n));
        }
        if let Some(seed) = self.seed {
            parameters.insert("seed".into(), json!(seed));
        }
        if let Some(v) = self.prompt_extend {
            parameters.insert("prompt_extend".into(), json!(v));
        }
        if let Some(v) = self.watermark {
            parameters.insert("watermark".into(), json!(v));
        }
        parameters
    }

    fn task_wire(&self, mut parameters: Map<String, Value>) -> (&'static str, Value) {
        // wan2.6 moved to a messages-shaped protocol (reference §4.1).
        if self.model.starts_with("wan2.6") {
            let mut content = vec![json!({ "text": self.prompt })];
            if let Some(image) = &self.base_image {
                content.push(json!({ "image": image }));
            }
            if let Some(negative) = &self.negative_prompt {
                parameters.insert("negative_prompt".into(), json!(negative));
            }
            return (
                IMAGE_GENERATION_PATH,
                json!({ "model": self.model, "input": { "messages": [{ "role": "user", "content": content }] }, "parameters": parameters }),
            );
        }
        let mut input = Map::new();
        input.insert("prompt".into(), json!(self.prompt));
        if let Some(negative) = &self.negative_prompt {
            input.insert("negative_prompt".into(), json!(negative));
        }
        let path = match &self.base_image {
            Some(image) => {
                input.insert("base_image_url".into(), json!(image));
                input.insert(
                    "function".into(),
                    json!(self.edit_function.as_deref().unwrap_or("description_edit")),
                );
                IMAGE2IMAGE_PATH
            }
            None => TEXT2IMAGE_PATH,
        };
        (
            path,
            json!({ "model": self.model, "input": input, "parameters": parameters }),
        )
    }
}

/// `"1024*1024"` → (1024, 1024), each side 256–4096.
pub fn parse_size(size: &str) -> Result<(u32, u32)> {
    let bad = || {
        Error::InvalidRequest(format!(
            "image size {size:?} must look like 1024*1024, each side 256 to 4096"
        ))
    };
    let (w, h) = size.split_once('*').ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(256..=4096).contains(&w) || !(256..=4096).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_per_model_and_mode() {
        let t2i = ImageRequest {
            size: Some("1024*1024".into()),
            n: Some(2),
            ..ImageRequest::new("wanx2.1-t2i-turbo", "a cat")
        };
        let (path, body) = t2i.wire();
        assert_eq!(path, TEXT2IMAGE_PATH);
        assert_eq!(body["input"]["prompt"], "a cat");
        assert_eq!(body["parameters"]["n"], 2);
        let edit = ImageRequest {
            base_image: Some("https://x/a.png".into()),
            ..ImageRequest::new("wanx2.1-imageedit", "make it blue")
        };
        let (path, body) = edit.wire();
        assert_eq!(path, IMAGE2IMAGE_PATH);
        assert_eq!(body["input"]["function"], "description_edit");
        let (path, body) = ImageRequest::new("wan2.6-t2i", "a dog").wire();
        assert_eq!(path, IMAGE_GENERATION_PATH);
        assert_eq!(body["input"]["messages"][0]["content"][0]["text"], "a dog");
    }

    #[test]
    fn synchronous_models_go_to_the_multimodal_endpoint_with_their_image() {
        assert!(is_synchronous_model("qwen-image-edit"));
        assert!(is_synchronous_model("qwen-image-2.0-pro"));
        for task_model in ["qwen-image", "qwen-image-plus", "wan2.6-t2i", "wanx-v1"] {
            assert!(!is_synchronous_model(task_model), "{task_model}");
        }
        let edit = ImageRequest {
            base_image: Some("data:image/png;base64,AAAA".into()),
            negative_prompt: Some("blur".into()),
            n: Some(1),
            ..ImageRequest::new("qwen-image-edit", "make the sky red")
        };
        edit.validate().expect("valid");
        let (path, body) = edit.wire();
        assert_eq!(path, MULTIMODAL_PATH);
        assert_eq!(
            body["input"]["messages"][0]["content"],
            json!([{"image": "data:image/png;base64,AAAA"}, {"text": "make the sky red"}])
        );
        assert_eq!(body["parameters"]["negative_prompt"], "blur");
        assert_eq!(body["parameters"]["n"], 1);
        let without_image = ImageRequest::new("qwen-image-edit", "make the sky red");
        assert!(
            without_image.validate().is_err(),
            "an edit model without an image is refused before sending"
        );
    }

    #[test]
    fn bad_requests_are_refused_locally() {
        assert!(ImageRequest::new("wanx-v1", "  ").validate().is_err());
        assert!(
            ImageRequest {
                n: Some(5),
                ..ImageRequest::new("wanx-v1", "x")
            }
            .validate()
            .is_err()
        );
        assert!(
            ImageRequest {
                size: Some("1024x1024".into()),
                ..ImageRequest::new("wanx-v1", "x")
            }
            .validate()
            .is_err()
        );
        assert!(
            ImageRequest {
                size: Some("64*64".into()),
                ..ImageRequest::new("wanx-v1", "x")
            }
            .validate()
            .is_err()
        );
        assert!(
            ImageRequest::new("qwen-plus", "x").validate().is_err(),
            "a chat model cannot draw"
        );
        assert!(
            ImageRequest::new("wanx-v1", "x".repeat(MAX_PROMPT_CHARS + 1))
                .validate()
                .is_err()
        );
        assert!(
            ImageRequest {
                size: Some("1328*1328".into()),
                ..ImageRequest::new("qwen-image-plus", "x")
            }
            .validate()
            .is_ok()
        );
    }
}
