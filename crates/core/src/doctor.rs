//! The error doctor: every error a user can meet gets a stable code and a message they can act
//! on, in Chinese and English. Generic clients show "Failed to fetch" for what was really an unpaid
//! bill or a key from another region; this is where that stops.

use serde::Serialize;

use crate::error::{DeskError, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdviceText {
    /// What happened, in one line.
    pub title: String,
    /// What to do about it.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    pub en: AdviceText,
    pub zh: AdviceText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Zh,
}

impl Language {
    /// From a locale such as `zh_CN.UTF-8` or `en-US`.
    pub fn from_locale(locale: &str) -> Self {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Language::Zh
        } else {
            Language::En
        }
    }

    /// From the environment's `LC_ALL`, `LC_MESSAGES` or `LANG`, as a terminal would.
    pub fn from_env() -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .map_or(Language::En, |v| Language::from_locale(&v))
    }
}

impl Advice {
    pub fn text(&self, language: Language) -> &AdviceText {
        match language {
            Language::En => &self.en,
            Language::Zh => &self.zh,
        }
    }
}

fn text(title: &str, action: &str) -> AdviceText {
    AdviceText {
        title: title.to_owned(),
        action: action.to_owned(),
    }
}

fn seconds(ms: Option<u64>) -> Option<u64> {
    ms.map(|ms| ms.div_ceil(1000).max(1))
}

/// The advice for `error`. `host` is where the request went, when known, so advice about keys and
/// networks can name it.
pub fn advise(error: &DeskError, host: Option<&str>) -> Advice {
    let host = host.unwrap_or("Bailian");
    let (en, zh) = match error.code {
        ErrorCode::EmptyPrompt => (
            text("The message is empty.", "Type something before sending."),
            text("消息是空的。", "请输入内容后再发送。"),
        ),
        ErrorCode::ConversationNotFound => (
            text(
                "That conversation no longer exists.",
                "Pick another conversation or start a new one.",
            ),
            text("该对话已不存在。", "请选择其他对话或新建对话。"),
        ),
        ErrorCode::MissingApiKey => (
            text(
                "No Bailian API key is set up.",
                "Add your DashScope API key in Settings, or try the offline demo.",
            ),
            text(
                "尚未配置百炼 API Key。",
                "请在设置中填写 DashScope API Key，或先试用离线演示。",
            ),
        ),
        ErrorCode::InvalidApiKey => (
            text(
                &format!("{host} refused the API key."),
                "Check the key for typos. Keys belong to one region: a Beijing key fails in Singapore or the US, and the reverse — make sure the key's region matches the endpoint.",
            ),
            text(
                &format!("{host} 拒绝了该 API Key。"),
                "请检查 Key 是否有误。Key 按地域区分：北京的 Key 无法在新加坡或美国使用，反之亦然，请确认 Key 与所选地域一致。",
            ),
        ),
        ErrorCode::AccessDenied => (
            text(
                "This key may not use that resource.",
                "Ask the account owner to grant this key (or its workspace) access in the Bailian console.",
            ),
            text(
                "该 Key 无权访问此资源。",
                "请联系账号管理员在百炼控制台为该 Key（或其业务空间）授权。",
            ),
        ),
        ErrorCode::ModelNotActivated => (
            text(
                "The model is not activated for this account or workspace.",
                "Activate the model in the Bailian console (Model Studio → Models), or choose another model.",
            ),
            text(
                "该模型尚未在此账号或业务空间开通。",
                "请在百炼控制台（模型广场）开通该模型，或换用其他模型。",
            ),
        ),
        ErrorCode::WorkspaceNotFound => (
            text(
                "The workspace does not exist.",
                "Check the workspace id and its region in Settings.",
            ),
            text("业务空间不存在。", "请在设置中检查业务空间 ID 及其地域。"),
        ),
        ErrorCode::Arrears => (
            text(
                "The Alibaba Cloud account is in arrears.",
                "Top up or settle the bill in the Alibaba Cloud console; requests work again once the account is in good standing.",
            ),
            text(
                "阿里云账号已欠费。",
                "请在阿里云控制台充值或结清账单，账号恢复正常后即可继续使用。",
            ),
        ),
        ErrorCode::QuotaExhausted => (
            text(
                "The free quota for this model is used up.",
                "Turn off \"free tier only\" in the Bailian console to pay as you go, or choose another model.",
            ),
            text(
                "该模型的免费额度已用完。",
                "请在百炼控制台关闭“仅使用免费额度”以按量付费，或换用其他模型。",
            ),
        ),
        ErrorCode::RateLimited => {
            let wait = seconds(error.retry_after_ms);
            (
                text(
                    "Bailian is rate-limiting this account.",
                    &match wait {
                        Some(s) => format!("Wait about {s} s and try again; limits are per account and model, shared by every key."),
                        None => "Wait a minute and try again; limits are per account and model, shared by every key.".to_owned(),
                    },
                ),
                text(
                    "百炼正在对该账号限流。",
                    &match wait {
                        Some(s) => format!("请约 {s} 秒后重试；限流按账号和模型计算，所有 Key 共用。"),
                        None => "请稍等一分钟后重试；限流按账号和模型计算，所有 Key 共用。".to_owned(),
                    },
                ),
            )
        }
        ErrorCode::ContentBlocked => (
            text(
                "The content was blocked by Bailian's safety check.",
                "Rephrase the message; the check applies to both your input and the reply.",
            ),
            text(
                "内容未通过百炼的安全审核。",
                "请调整表述后重试；审核同时作用于输入和回复。",
            ),
        ),
        ErrorCode::ModelNotFound => (
            text(
                "The model does not exist, or this key cannot see it.",
                "Choose a model from the list; model names differ between regions.",
            ),
            text(
                "模型不存在，或该 Key 无权使用。",
                "请从列表中选择模型；不同地域可用的模型不同。",
            ),
        ),
        ErrorCode::UnsupportedByModel => (
            text(
                "The chosen model cannot do this.",
                "Pick a model that supports it (for images, a vision model such as qwen-vl-plus).",
            ),
            text(
                "所选模型不支持该操作。",
                "请选择支持该功能的模型（图片请选择 qwen-vl-plus 等视觉模型）。",
            ),
        ),
        // Refused here, before anything was sent (no DashScope code): the input is the problem.
        ErrorCode::BadRequest if error.dashscope_code.is_none() => (
            text(
                "Bailian Desk cannot use this input.",
                "Correct it as the details below say; nothing was sent or changed.",
            ),
            text(
                "Bailian Desk 无法使用该输入。",
                "请按下方详情修改；未发送也未更改任何内容。",
            ),
        ),
        // What is left of a thread after its oldest turns were left out (`bailian::prepare`) is
        // still too long: the newest message (or a tool's result) alone is over the model's input.
        ErrorCode::BadRequest if error.message.contains("Range of input length") => (
            text(
                "The message is longer than this model can read at once.",
                "Shorten it or send it in parts, or choose a model with a longer context (qwen-long, qwen-turbo). Earlier turns are already left out as needed.",
            ),
            text(
                "消息超出了该模型一次能读取的长度。",
                "请缩短内容或分段发送，或改用上下文更长的模型（如 qwen-long、qwen-turbo）。较早的对话已按需省略。",
            ),
        ),
        ErrorCode::BadRequest => (
            text(
                "Bailian did not accept the request.",
                "Check the message and the model's parameters; the details are below.",
            ),
            text(
                "百炼未接受该请求。",
                "请检查消息内容和模型参数，详情见下方。",
            ),
        ),
        ErrorCode::Network => (
            text(
                &format!("Cannot reach {host}."),
                "Check the internet connection, a proxy or firewall, and the endpoint in Settings. Nothing was lost; send again when the connection is back.",
            ),
            text(
                &format!("无法连接 {host}。"),
                "请检查网络连接、代理或防火墙，以及设置中的接入地址。内容没有丢失，网络恢复后可重新发送。",
            ),
        ),
        ErrorCode::Timeout => (
            text(
                "Bailian took too long to answer.",
                "Try again; a shorter prompt or a faster model answers sooner.",
            ),
            text(
                "百炼响应超时。",
                "请重试；缩短提示词或换用更快的模型会更快返回。",
            ),
        ),
        ErrorCode::ServerError => (
            text(
                "Bailian had a temporary problem.",
                "Try again in a moment; it was already retried automatically.",
            ),
            text("百炼服务暂时异常。", "请稍后重试；应用已自动重试过。"),
        ),
        ErrorCode::StreamInterrupted => (
            text(
                "The reply was cut off.",
                "The text so far is kept. Continue it, or regenerate.",
            ),
            text(
                "回复中断了。",
                "已收到的内容已保存，可以继续生成或重新生成。",
            ),
        ),
        ErrorCode::Cancelled => (
            text("Stopped.", "The text so far is kept."),
            text("已停止。", "已收到的内容已保存。"),
        ),
        ErrorCode::Storage => (
            text(
                "The local database could not be used.",
                "Check that the data folder is writable and the disk is not full; your existing history is untouched.",
            ),
            text(
                "无法使用本地数据库。",
                "请检查数据文件夹是否可写、磁盘是否已满；已有的历史记录不受影响。",
            ),
        ),
        ErrorCode::DemoUnavailable => (
            text(
                "The offline demo could not start.",
                "Restart the app; if it persists, send the logs to support.",
            ),
            text(
                "离线演示无法启动。",
                "请重启应用；若仍无法启动，请将日志发送给支持人员。",
            ),
        ),
        ErrorCode::KeyStoreUnavailable => (
            text(
                "This system has no credential store to keep the API key in.",
                "Keep the key in an encrypted key file instead (bailian-desk key set --key-file), or set DASHSCOPE_API_KEY.",
            ),
            text(
                "此系统没有可用于保存 API Key 的凭据存储。",
                "请改用加密的密钥文件保存（bailian-desk key set --key-file），或设置环境变量 DASHSCOPE_API_KEY。",
            ),
        ),
        ErrorCode::KeyFileLocked => (
            text(
                "The encrypted key file could not be opened.",
                "Check the key file password (BAILIAN_DESK_KEY_FILE_PASSWORD); if the file is damaged, remove it and set the key again.",
            ),
            text(
                "无法打开加密的密钥文件。",
                "请检查密钥文件密码（BAILIAN_DESK_KEY_FILE_PASSWORD）；若文件已损坏，请删除后重新设置 API Key。",
            ),
        ),
        ErrorCode::Internal => (
            text(
                "Something went wrong inside Bailian Desk.",
                "Try again; if it persists, send the logs to support.",
            ),
            text(
                "Bailian Desk 内部出错。",
                "请重试；若问题持续，请将日志发送给支持人员。",
            ),
        ),
        ErrorCode::BudgetExceeded => (
            text(
                "This month's budget is used up; nothing was sent.",
                "Raise the budget or switch it to warn only (`bailian-desk budget set`), or wait for next month.",
            ),
            text(
                "本月预算已用完，请求未发送。",
                "请提高预算或改为仅提醒（`bailian-desk budget set`），或等到下个月。",
            ),
        ),
        ErrorCode::InvalidImport => (
            text(
                "The file cannot be imported; nothing was changed.",
                "Use a complete JSON export from Bailian Desk, made by this version or an older one.",
            ),
            text(
                "无法导入该文件，数据未做任何更改。",
                "请使用由本版本或更早版本 Bailian Desk 导出的完整 JSON 文件。",
            ),
        ),
        ErrorCode::SessionRequired => (
            text(
                "You are not signed in to a profile.",
                "Sign in with your profile's password.",
            ),
            text("尚未登录任何用户档案。", "请输入档案密码登录。"),
        ),
        ErrorCode::SessionExpired => (
            text(
                "Your session ended, so Bailian Desk locked itself.",
                "Sign in again; your work is saved.",
            ),
            text(
                "会话已结束，Bailian Desk 已自动锁定。",
                "请重新登录；您的内容均已保存。",
            ),
        ),
        ErrorCode::WrongPassword => (
            text(
                "The password is wrong.",
                "Check the keyboard layout and Caps Lock, then try again. Forgotten passwords cannot be recovered: the device admin can remove the profile.",
            ),
            text(
                "密码错误。",
                "请检查键盘布局和大写锁定后重试。忘记的密码无法找回：设备管理员可以删除该档案。",
            ),
        ),
        ErrorCode::LoginThrottled => (
            text(
                "Too many wrong passwords in a row.",
                "Wait until the countdown ends, then try again.",
            ),
            text("连续输错密码次数过多。", "请等待倒计时结束后再试。"),
        ),
        ErrorCode::Forbidden => (
            text(
                "Your profile is not allowed to do this.",
                "Ask the device admin (the first profile created on this computer).",
            ),
            text(
                "您的档案无权执行此操作。",
                "请联系设备管理员（本机创建的第一个档案）。",
            ),
        ),
        ErrorCode::ProfileNotFound => (
            text(
                "That profile no longer exists.",
                "Choose another profile, or ask the device admin.",
            ),
            text("该档案已不存在。", "请选择其他档案，或联系设备管理员。"),
        ),
        ErrorCode::InvalidProfile => (
            text(
                "That profile name or password is not accepted.",
                "Use a name of 1–40 characters that no other profile has, and a password of at least 8 characters.",
            ),
            text(
                "档案名称或密码不符合要求。",
                "名称需为 1–40 个字符且不与其他档案重复，密码至少 8 个字符。",
            ),
        ),
        ErrorCode::DatabaseCorrupt => (
            text(
                "This profile's history database is damaged; it was not opened and nothing was deleted.",
                "Restore the latest backup (a snapshot of the damaged file is kept).",
            ),
            text(
                "此档案的历史数据库已损坏；未打开，也未删除任何内容。",
                "请恢复最近的备份（损坏的文件会被保留）。",
            ),
        ),
        ErrorCode::MessageNotFound => (
            text(
                "That message no longer exists.",
                "It may have been deleted on this or another device; reload the conversation.",
            ),
            text(
                "该消息已不存在。",
                "它可能已在本设备或其他设备上被删除；请重新加载对话。",
            ),
        ),
    };
    Advice { en, zh }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bailian::ApiError;

    #[test]
    fn a_refusal_before_sending_is_not_blamed_on_bailian() {
        let local = DeskError::new(ErrorCode::BadRequest, "temperature is 0 to 2");
        let advice = advise(&local, None);
        assert!(
            advice.en.title.starts_with("Bailian Desk cannot"),
            "{advice:?}"
        );
        let mut remote = local.clone();
        remote.dashscope_code = Some("InvalidParameter".to_owned());
        assert!(
            advise(&remote, None)
                .en
                .title
                .starts_with("Bailian did not")
        );
    }

    #[test]
    fn an_input_over_the_models_limit_is_explained_as_such() {
        let error = from_wire(
            400,
            "InvalidParameter",
            "Range of input length should be [1, 30720]",
        );
        assert_eq!(error.code, ErrorCode::BadRequest);
        let advice = advise(&error, None);
        assert!(
            advice.en.title.contains("longer than this model"),
            "{advice:?}"
        );
        assert!(advice.zh.title.contains("超出"), "{advice:?}");
    }

    fn from_wire(status: u16, code: &str, message: &str) -> DeskError {
        DeskError::from(bailian::Error::Api(ApiError {
            status,
            code: code.into(),
            message: message.into(),
            request_id: Some("req".into()),
            retry_after: None,
        }))
    }

    /// Every code of the reference's table (§7.2, plus SDK 2.x and compat names) → our code.
    #[test]
    fn every_documented_code_has_a_stable_code() {
        let table: &[(u16, &str, &str, ErrorCode)] = &[
            (
                400,
                "InvalidParameter",
                "Required parameter(s) missing or invalid",
                ErrorCode::BadRequest,
            ),
            (
                400,
                "InvalidParameter",
                "Model not exist.",
                ErrorCode::ModelNotFound,
            ),
            (
                400,
                "DataInspectionFailed",
                "Input or output data may contain inappropriate content.",
                ErrorCode::ContentBlocked,
            ),
            (
                400,
                "data_inspection_failed",
                "Input data may contain inappropriate content.",
                ErrorCode::ContentBlocked,
            ),
            (
                400,
                "BadRequest.EmptyInput",
                "Required input missing",
                ErrorCode::BadRequest,
            ),
            (
                400,
                "BadRequest.EmptyParameters",
                "Required parameters missing",
                ErrorCode::BadRequest,
            ),
            (
                400,
                "BadRequest.EmptyModel",
                "Required model missing",
                ErrorCode::BadRequest,
            ),
            (
                400,
                "InvalidURL",
                "Invalid URL provided in your request.",
                ErrorCode::BadRequest,
            ),
            (
                400,
                "Arrearage",
                "Access denied, please make sure your account is in good standing.",
                ErrorCode::Arrears,
            ),
            (
                400,
                "UnsupportedOperation",
                "Failed to cancel the task",
                ErrorCode::BadRequest,
            ),
            (400, "FlowNotPublished", "flow", ErrorCode::BadRequest),
            (400, "InvalidSchema", "schema", ErrorCode::BadRequest),
            (400, "InvalidSchemaFormat", "schema", ErrorCode::BadRequest),
            (400, "FaqRuleBlocked", "blocked", ErrorCode::ContentBlocked),
            (
                400,
                "CustomRoleBlocked",
                "blocked",
                ErrorCode::ContentBlocked,
            ),
            (
                400,
                "InternalError.Algo",
                "Missing Content-Length of multimodal url",
                ErrorCode::BadRequest,
            ),
            (
                400,
                "invalid_request_error",
                "Payload Too Large",
                ErrorCode::BadRequest,
            ),
            (
                401,
                "InvalidApiKey",
                "Invalid API-key provided.",
                ErrorCode::InvalidApiKey,
            ),
            (
                401,
                "invalid_api_key",
                "Incorrect API key provided.",
                ErrorCode::InvalidApiKey,
            ),
            (
                403,
                "AccessDenied",
                "Access denied.",
                ErrorCode::AccessDenied,
            ),
            (
                403,
                "Workspace.AccessDenied",
                "Workspace access denied.",
                ErrorCode::AccessDenied,
            ),
            (
                403,
                "Model.AccessDenied",
                "Model access denied.",
                ErrorCode::ModelNotActivated,
            ),
            (
                403,
                "AccessDenied.Unpurchased",
                "Access to model denied.",
                ErrorCode::ModelNotActivated,
            ),
            (
                403,
                "AllocationQuota.FreeTierOnly",
                "free tier only",
                ErrorCode::QuotaExhausted,
            ),
            (
                404,
                "WorkSpaceNotFound",
                "WorkSpace can not be found.",
                ErrorCode::WorkspaceNotFound,
            ),
            (
                404,
                "ModelNotFound",
                "Model can not be found.",
                ErrorCode::ModelNotFound,
            ),
            (
                404,
                "model_not_found",
                "The model `x` does not exist",
                ErrorCode::ModelNotFound,
            ),
            (
                400,
                "Model.NotExist",
                "Model not exist.",
                ErrorCode::ModelNotFound,
            ),
            (
                408,
                "RequestTimeOut",
                "Request timed out, please try again later.",
                ErrorCode::Timeout,
            ),
            (
                413,
                "BadRequest.TooLarge",
                "Payload Too Large.",
                ErrorCode::BadRequest,
            ),
            (
                415,
                "BadRequest.InputDownloadFailed",
                "Failed to download",
                ErrorCode::BadRequest,
            ),
            (
                415,
                "BadRequest.UnsupportedFileFormat",
                "Unsupported file format",
                ErrorCode::BadRequest,
            ),
            (
                429,
                "Throttling",
                "Requests throttling triggered.",
                ErrorCode::RateLimited,
            ),
            (
                429,
                "Throttling.RateQuota",
                "Requests rate limit exceeded",
                ErrorCode::RateLimited,
            ),
            (
                429,
                "Throttling.AllocationQuota",
                "Allocated quota exceeded, please increase your quota limit.",
                ErrorCode::RateLimited,
            ),
            (
                429,
                "Throttling.AllocationQuota",
                "Free allocated quota exceeded.",
                ErrorCode::QuotaExhausted,
            ),
            (
                429,
                "LimitRequests",
                "You exceeded your current requests list.",
                ErrorCode::RateLimited,
            ),
            (
                429,
                "insufficient_quota",
                "You exceeded your current quota",
                ErrorCode::RateLimited,
            ),
            (429, "PrepaidBillOverdue", "bill", ErrorCode::Arrears),
            (429, "PostpaidBillOverdue", "bill", ErrorCode::Arrears),
            (
                429,
                "CommodityNotPurchased",
                "not purchased",
                ErrorCode::ModelNotActivated,
            ),
            (
                500,
                "InternalError",
                "An internal error has occured",
                ErrorCode::ServerError,
            ),
            (500, "InternalError.Algo", "algo", ErrorCode::ServerError),
            (500, "SystemError", "system", ErrorCode::ServerError),
            (500, "InternalError.Timeout", "timeout", ErrorCode::Timeout),
            (500, "ModelServiceFailed", "failed", ErrorCode::ServerError),
            (500, "InvokePluginFailed", "failed", ErrorCode::ServerError),
            (500, "RewriteFailed", "failed", ErrorCode::ServerError),
            (500, "RetrivalFailed", "failed", ErrorCode::ServerError),
            (500, "AppProcessFailed", "failed", ErrorCode::ServerError),
            (
                503,
                "ModelUnavailable",
                "Model is unavailable, please try again later.",
                ErrorCode::ServerError,
            ),
            (
                503,
                "ServiceUnavailable",
                "unavailable",
                ErrorCode::ServerError,
            ),
            (504, "GatewayTimeout", "timeout", ErrorCode::Timeout),
        ];
        for (status, code, message, expected) in table {
            let error = from_wire(*status, code, message);
            assert_eq!(error.code, *expected, "{status} {code} {message:?}");
            assert_eq!(error.dashscope_code.as_deref(), Some(*code));
        }
    }

    #[test]
    fn every_code_has_advice_in_both_languages() {
        for code in ErrorCode::ALL {
            let advice = advise(
                &DeskError::new(*code, "detail"),
                Some("dashscope.aliyuncs.com"),
            );
            for text in [&advice.en, &advice.zh] {
                assert!(
                    !text.title.is_empty() && !text.action.is_empty(),
                    "{code:?}"
                );
            }
            assert_ne!(advice.en.title, advice.zh.title, "{code:?} is translated");
        }
    }

    #[test]
    fn rate_limit_advice_says_when_to_retry() {
        let mut error = from_wire(429, "Throttling.RateQuota", "x");
        error.retry_after_ms = Some(2_500);
        let advice = advise(&error, None);
        assert!(advice.en.action.contains("3 s"), "{}", advice.en.action);
        assert!(advice.zh.action.contains("3 秒"), "{}", advice.zh.action);
    }

    #[test]
    fn key_and_network_advice_name_the_host() {
        let advice = advise(
            &DeskError::new(ErrorCode::InvalidApiKey, ""),
            Some("dashscope-intl.aliyuncs.com"),
        );
        assert!(advice.en.title.contains("dashscope-intl.aliyuncs.com"));
        assert!(advice.en.action.contains("region"));
        assert!(
            advise(&DeskError::new(ErrorCode::Network, ""), Some("h.example"))
                .zh
                .title
                .contains("h.example")
        );
        assert_eq!(Language::from_locale("zh_CN.UTF-8"), Language::Zh);
        assert_eq!(Language::from_locale("en_US"), Language::En);
    }
}
