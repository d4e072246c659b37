//! The region or workspace a profile chose in the app. It is kept in the profile's store and
//! applied when its `Desk` opens; the environment (`BAILIAN_BASE_URL`, `BAILIAN_REGION`,
//! `BAILIAN_WORKSPACE`) wins over it, so scripts and tests keep pointing where they say.

use bailian::Region;
use desk_store::Store;
use serde::{Deserialize, Serialize};

use crate::config::{DeskConfig, endpoint_from};
use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};
use crate::keys::ApiKeyStatus;

const SETTING_ENDPOINT: &str = "endpoint.choice";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredChoice {
    region: String,
    workspace: Option<String>,
}

/// Where this profile's requests go, as the settings screen shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointChoice {
    /// `cn-beijing`, `ap-southeast-1` or `us-east-1`; `None` for a custom base URL.
    pub region: Option<String>,
    pub workspace: Option<String>,
    pub base_url: String,
    /// The vault slot whose key is used (`cn-beijing`, `ws:<id>`).
    pub key_slot: String,
    /// Set by the environment: the app cannot change it.
    pub from_environment: bool,
}

fn parse_region(id: &str) -> Result<Region, DeskError> {
    Region::parse(id).ok_or_else(|| {
        DeskError::new(
            ErrorCode::BadRequest,
            format!("{id:?} is not a region; use cn-beijing, ap-southeast-1 or us-east-1"),
        )
    })
}

/// Points `config` at `choice`: the region's gateway or the workspace host in it, and its key slot.
fn apply(config: &mut DeskConfig, region: &str, workspace: Option<&str>) -> Result<(), DeskError> {
    parse_region(region)?;
    let workspace = workspace.map(str::trim).filter(|w| !w.is_empty());
    let endpoint = endpoint_from(None, Some(region.to_owned()), workspace.map(str::to_owned))?;
    config.base_url = endpoint.base_url();
    config.workspace = endpoint.workspace().map(str::to_owned);
    config.key_slot = match workspace {
        Some(ws) => format!("ws:{ws}"),
        None => region.to_owned(),
    };
    Ok(())
}

/// Applies the profile's stored choice to the configuration its `Desk` opens with, unless the
/// environment set the endpoint. A stored choice that no longer parses is logged and ignored.
pub(crate) fn apply_stored_choice(config: &mut DeskConfig, store: &Store) {
    if config.endpoint_from_env {
        return;
    }
    let Some(choice) = store
        .setting(SETTING_ENDPOINT)
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str::<StoredChoice>(&text).ok())
    else {
        return;
    };
    if let Err(error) = apply(config, &choice.region, choice.workspace.as_deref()) {
        tracing::warn!(%error, "the stored region or workspace is not usable; using the default");
    }
}

/// The region a gateway URL belongs to, if it is one of the known gateways or workspace hosts.
fn region_of(config: &DeskConfig) -> Option<String> {
    Region::ALL
        .into_iter()
        .find(|region| {
            let gateway = bailian::Endpoint::Region { region: *region }.base_url();
            config.base_url == gateway
                || config
                    .base_url
                    .ends_with(&format!(".{}.maas.aliyuncs.com", region.id()))
        })
        .map(|region| region.id().to_owned())
}

impl Desk {
    pub fn endpoint_choice(&self) -> EndpointChoice {
        let config = self.config();
        EndpointChoice {
            region: region_of(config),
            workspace: config.workspace.clone(),
            base_url: config.base_url.clone(),
            key_slot: config.key_slot.clone(),
            from_environment: config.endpoint_from_env,
        }
    }

    /// Keeps the region (and workspace) this profile's requests go to. It takes effect when the
    /// `Desk` is opened again ([`crate::Device::set_endpoint`] does that at once).
    pub fn save_endpoint_choice(
        &self,
        region: &str,
        workspace: Option<&str>,
    ) -> Result<(), DeskError> {
        if self.config().endpoint_from_env {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                "the endpoint is set by BAILIAN_BASE_URL, BAILIAN_REGION or BAILIAN_WORKSPACE; unset them to choose it in the app",
            ));
        }
        let mut probe = self.config().clone();
        apply(&mut probe, region, workspace)?;
        let choice = StoredChoice {
            region: region.trim().to_owned(),
            workspace: probe.workspace.clone(),
        };
        let text = serde_json::to_string(&choice)
            .map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
        self.store().set_setting(SETTING_ENDPOINT, Some(&text))?;
        tracing::info!(region = %choice.region, workspace = ?choice.workspace, "endpoint chosen");
        Ok(())
    }

    /// The key status of every region, and of each workspace this profile set a key for.
    pub fn api_key_statuses(&self) -> Vec<ApiKeyStatus> {
        let mut slots: Vec<String> = Region::ALL.iter().map(|r| r.id().to_owned()).collect();
        for slot in self.key_slot_names() {
            if !slots.contains(&slot) {
                slots.push(slot);
            }
        }
        slots
            .iter()
            .map(|slot| self.api_key_status_of(slot))
            .collect()
    }
}
