//! Identifiers. Every id is a UUIDv7: rows made on different devices never collide, and ids from
//! one process sort by creation time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new row id (conversation, message, op), as the text the store keeps.
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// The identity of one database install. It names the writer of an op log, so two installs must
/// never share one: it is generated once per database and stored in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(Uuid);

impl DeviceId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Lower-case hyphenated: its text order is its byte order, which HLC text relies on.
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for DeviceId {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text).map(Self)
    }
}
