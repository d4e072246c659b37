//! Where requests go: the region gateways, workspace-scoped hosts, or a custom base URL
//! (reference §1.1). API keys are per region, so the region is part of a key's identity.

use serde::{Deserialize, Serialize};

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Region {
    /// China (Beijing), `cn-beijing`: the default.
    CnBeijing,
    /// Singapore, `ap-southeast-1` ("International").
    ApSoutheast1,
    /// US (Virginia), `us-east-1` ("Global").
    UsEast1,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::CnBeijing, Region::ApSoutheast1, Region::UsEast1];

    pub fn id(self) -> &'static str {
        match self {
            Region::CnBeijing => "cn-beijing",
            Region::ApSoutheast1 => "ap-southeast-1",
            Region::UsEast1 => "us-east-1",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id.trim())
    }

    /// The shared ("legacy") gateway. For US (Virginia) the docs name `dashscope-us`; SDK 2.x's
    /// table maps it to `dashscope-intl` instead — the docs win here (reference §1.1).
    pub fn gateway(self) -> &'static str {
        match self {
            Region::CnBeijing => "https://dashscope.aliyuncs.com",
            Region::ApSoutheast1 => "https://dashscope-intl.aliyuncs.com",
            Region::UsEast1 => "https://dashscope-us.aliyuncs.com",
        }
    }
}

/// Where a profile's requests go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Endpoint {
    Region {
        region: Region,
    },
    /// `https://{workspace_id}.{region}.maas.aliyuncs.com`, and the `X-DashScope-WorkSpace` header.
    Workspace {
        region: Region,
        workspace_id: String,
    },
    /// Any host speaking the protocol: the emulator, a company relay, a proxy.
    Custom {
        base_url: String,
    },
}

impl Endpoint {
    pub fn base_url(&self) -> String {
        match self {
            Endpoint::Region { region } => region.gateway().to_owned(),
            Endpoint::Workspace {
                region,
                workspace_id,
            } => {
                format!("https://{workspace_id}.{}.maas.aliyuncs.com", region.id())
            }
            Endpoint::Custom { base_url } => base_url.trim().trim_end_matches('/').to_owned(),
        }
    }

    /// The workspace to name in `X-DashScope-WorkSpace`, when there is one.
    pub fn workspace(&self) -> Option<&str> {
        match self {
            Endpoint::Workspace { workspace_id, .. } => Some(workspace_id),
            _ => None,
        }
    }

    pub fn region(&self) -> Option<Region> {
        match self {
            Endpoint::Region { region } | Endpoint::Workspace { region, .. } => Some(*region),
            Endpoint::Custom { .. } => None,
        }
    }

    /// A workspace endpoint, checked with SDK 2.x's rule `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`,
    /// so a typo fails here rather than as a DNS error.
    pub fn workspace_in(region: Region, workspace_id: &str) -> Result<Self, Error> {
        let id = workspace_id.trim();
        let mut chars = id.chars();
        let valid = id.len() <= 64
            && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(Error::Config(format!(
                "{workspace_id:?} is not a workspace id (letters, digits, '_' and '-', up to 64, starting with a letter or digit)"
            )));
        }
        Ok(Endpoint::Workspace {
            region,
            workspace_id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_region_and_workspace() {
        assert_eq!(
            Endpoint::Region {
                region: Region::CnBeijing
            }
            .base_url(),
            "https://dashscope.aliyuncs.com"
        );
        assert_eq!(
            Endpoint::Region {
                region: Region::ApSoutheast1
            }
            .base_url(),
            "https://dashscope-intl.aliyuncs.com"
        );
        assert_eq!(
            Endpoint::Region {
                region: Region::UsEast1
            }
            .base_url(),
            "https://dashscope-us.aliyuncs.com"
        );
        let ws = Endpoint::workspace_in(Region::ApSoutheast1, "ws-abc_123").expect("valid");
        assert_eq!(
            ws.base_url(),
            "https://ws-abc_123.ap-southeast-1.maas.aliyuncs.com"
        );
        assert_eq!(ws.workspace(), Some("ws-abc_123"));
        assert_eq!(
            Endpoint::Custom {
                base_url: "http://127.0.0.1:9/".into()
            }
            .base_url(),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn bad_workspace_ids_are_refused() {
        for bad in ["", "-ws", "ws.evil.com", "ws/x", &"a".repeat(65)] {
            assert!(
                Endpoint::workspace_in(Region::CnBeijing, bad).is_err(),
                "{bad}"
            );
        }
        assert_eq!(Region::parse("us-east-1"), Some(Region::UsEast1));
        assert_eq!(Region::parse("mars-1"), None);
    }
}
